"""Median time of CRM pages on SQLite at two sizes side by side (SPEC §12), in-process and through gunicorn.

Usage: .venv/bin/python benchmarks/bench_crm.py [--sizes 100000 1000000] [--repeat 21] [--workers 2] [--keep DIR]

Builds one database per size with `flask init-db` and `flask demo-data --deals N` in a temporary
folder (or reuses DIR/<N>/tally.sqlite3), signs in as the demo administrator and times each page at
every size in the same run, the sizes taking turns sample by sample so that the machine's noise falls
on all of them alike: in-process with Flask's test client, then over HTTP against one
`gunicorn -w WORKERS app:app` per size. Activity monitoring has no limits set, as on a fresh install.
Prints Markdown tables: each page's median per size and the largest size's multiple of the smallest's
(SPEC §12: at most 1.3 from 100,000 to 1,000,000 deals).

One row is read as a demo user who may view only their own deals (rights per entity, SPEC §10): the
benchmark gives OWN_DEALS_USER those rights in each database before it measures.
"""
import argparse
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor import create_app  # noqa: E402
from monitor.services import demo  # noqa: E402
from monitor.services.records import rights  # noqa: E402

BIN = Path(sys.executable).parent
WARM_UP = 3
OWN_DEALS_USER = "anna@tally.example"  # a demo user responsible for part of the deals; not an administrator
OWN_DEALS = {entity: dict(scopes) for entity, scopes in rights.ALL.items()} | {
    "leads": {"view": "own", "edit": "own", "delete": "own"}}


def pages(database):
    """(label, URL, who) of each measured page (who: None for the administrator, else a demo user's e-mail);
    ids and a phone come from the demo data."""
    with sqlite3.connect(database) as connection:
        deal_id = connection.execute("SELECT max(id) FROM deals").fetchone()[0]
        phone = connection.execute("SELECT phone FROM contacts ORDER BY id LIMIT 1").fetchone()[0]
        pipeline_id = connection.execute("SELECT id FROM pipelines ORDER BY is_main DESC, id LIMIT 1").fetchone()[0]
        user_id = connection.execute("SELECT id FROM users WHERE email = 'anna@tally.example'").fetchone()[0]
    digits = "".join(char for char in phone if char.isdigit())[1:]
    as_admin = [
        ("plain page (profile, no records)", "/profile"),
        ("deals list, page 1", "/leads"),
        ("deals list, page 1,000", "/leads?page=1000"),
        # Sorted pages (SPEC §10), each read from an index: within 2x the newest-first page 1.
        ("deals sorted by name A to Z (`sort=name&dir=asc`)", "/leads?sort=name&dir=asc"),
        ("deals sorted by price, largest first (`sort=price&dir=desc`)", "/leads?sort=price&dir=desc"),
        ("deals sorted by status, stage order (`sort=status`)", "/leads?sort=status"),
        ("deals sorted by status, page 1,000", "/leads?sort=status&page=1000"),
        ("deals sorted by last change (`sort=updated`)", "/leads?sort=updated"),
        ("customers sorted by next purchase date (`sort=next_date`)", "/customers?sort=next_date"),
        ("deals search by word (`q=supply`)", "/leads?q=supply"),
        ("deals search by one letter (`q=a`)", "/leads?q=a"),
        ("deals search by two letters (`q=su`)", "/leads?q=su"),
        ("deals search by contact phone digits", f"/leads?q={digits}"),
        ("contacts search by phone digits", f"/contacts?q={digits}"),
        ("deals filtered (tag, price, responsible)", f"/leads?tag=vip&price_from=100000&responsible={user_id}"),
        ("deals preset Open + created range", "/leads?preset=open&created_from=2026-01-01&created_to=2026-06-30"),
        ("contacts and companies, page 1", "/contacts-companies"),
        ("pipeline board (6 columns x 50)", f"/leads/pipeline/{pipeline_id}"),
        ("deal card", f"/leads/{deal_id}"),
    ]
    measured = [(label, url, None) for label, url in as_admin]
    # Rights per entity: within 1.5x the administrator's deals list page 1 (the row above it).
    measured.insert(2, ("deals list, page 1, as a user who may view only their own deals", "/leads",
                        OWN_DEALS_USER))
    return measured


def give_own_deals_rights(database):
    """OWN_DEALS_USER may view, edit and delete only the deals they are responsible for (all the rest)."""
    with sqlite3.connect(database) as connection:
        changed = connection.execute("UPDATE users SET rights = ? WHERE email = ? AND NOT is_admin",
                                     (rights.dump(OWN_DEALS), OWN_DEALS_USER)).rowcount
    assert changed == 1, f"{OWN_DEALS_USER} is no demo user who is not an administrator"


def build(folder, deals):
    """A fresh database with demo data in `folder`; returns its path and how long demo-data took."""
    database = Path(folder) / "tally.sqlite3"
    Path(folder).mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{database}"}
    flask = [str(BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([*flask, "demo-data", "--deals", str(deals)], cwd=ROOT, env=env, check=True, capture_output=True)
    return database, time.perf_counter() - started


def prepare(folder, deals, reuse):
    """(database, seconds demo-data took or None): `folder`'s database when `reuse` and it exists (its
    schema brought up to date), else a new one."""
    database = Path(folder) / "tally.sqlite3"
    if reuse and database.exists():
        env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{database}"}
        subprocess.run([str(BIN / "flask"), "--app", "app", "init-db"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        return database, None
    return build(folder, deals)


def interleaved(fetchers, measured, repeat):
    """{size: [median ms of each page]}: `fetchers[size](who, url)` fetches one page at one size; each
    page's samples are taken at the sizes in turn, after WARM_UP fetches at each."""
    sizes = list(fetchers)
    medians = {size: [] for size in sizes}
    for index in range(len(measured[sizes[0]])):
        for size in sizes:
            _label, url, who = measured[size][index]
            for _ in range(WARM_UP):
                fetchers[size](who, url)
        samples = {size: [] for size in sizes}
        for _ in range(repeat):
            for size in sizes:
                _label, url, who = measured[size][index]
                started = time.perf_counter()
                fetchers[size](who, url)
                samples[size].append((time.perf_counter() - started) * 1000)
        for size in sizes:
            medians[size].append(statistics.median(samples[size]))
    return medians


def in_process(databases, measured, repeat):
    """Each page through Flask's test client, one app per size."""
    clients = {}
    for size, database in databases.items():
        app = create_app({"DATABASE_URL": f"sqlite:///{database}", "WTF_CSRF_ENABLED": False,
                          "SECRET_KEY": "bench", "OUTBOX_WORKER": False})
        for who in {who for _label, _url, who in measured[size]}:
            client = clients[size, who] = app.test_client()
            password = demo.ADMIN_PASSWORD if who is None else demo.DEMO_PASSWORD
            client.post("/login", data={"email": who or demo.ADMIN_EMAIL, "password": password})

    def fetcher(size):
        def fetch(who, url):
            response = clients[size, who].get(url)
            assert response.status_code == 200, (size, url, who, response.status_code)

        return fetch

    return interleaved({size: fetcher(size) for size in databases}, measured, repeat)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def through_gunicorn(databases, measured, repeat, workers):
    """Each page over HTTP, one `gunicorn -w workers` per size."""
    servers, sessions, bases = [], {}, {}
    try:
        for size, database in databases.items():
            port = free_port()
            env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{database}", "FLASK_SECRET_KEY": "bench"}
            servers.append(subprocess.Popen(
                [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "app:app"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            bases[size] = f"http://127.0.0.1:{port}"
            for who in {who for _label, _url, who in measured[size]}:
                sessions[size, who] = _signed_in_as(bases[size], who)

        def fetcher(size):
            def fetch(who, url):
                response = sessions[size, who].get(bases[size] + url, allow_redirects=False)
                assert response.status_code == 200, (size, url, who, response.status_code)

            return fetch

        return interleaved({size: fetcher(size) for size in databases}, measured, repeat)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def signed_in_session(base, email, password):
    """A requests session signed in at `base` through the form (waits for the server to listen);
    RuntimeError when the sign-in is refused. Also used by bench_load.py."""
    session = requests.Session()
    deadline = time.monotonic() + 60
    while True:
        try:
            login = session.get(f"{base}/login", timeout=10)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login.text).group(1)
    response = session.post(f"{base}/login", data={"csrf_token": token, "email": email, "password": password},
                            allow_redirects=False, timeout=30)
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise RuntimeError(f"sign-in of {email} refused: {response.status_code}")
    return session


def _signed_in_as(base, who=None):
    """Signed in as the administrator (who None) or the demo user `who`."""
    if who is None:
        return signed_in_session(base, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    return signed_in_session(base, who, demo.DEMO_PASSWORD)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="deals per database")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", help="build the databases in (or reuse them from) DIR/<size>/")
    parser.add_argument("--no-gunicorn", action="store_true", help="measure in-process only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        databases, loaded = {}, {}
        for size in args.sizes:
            databases[size], loaded[size] = prepare(Path(args.keep or scratch) / str(size), size, bool(args.keep))
            give_own_deals_rights(databases[size])
        measured = {size: pages(database) for size, database in databases.items()}
        tables = {"in-process": in_process(databases, measured, args.repeat)}
        if not args.no_gunicorn:
            tables[f"gunicorn -w {args.workers}"] = through_gunicorn(databases, measured, args.repeat, args.workers)
    print_loads(loaded)
    print_table(measured[args.sizes[0]], args.sizes, tables)


def print_loads(loaded):
    built = {size: seconds for size, seconds in loaded.items() if seconds is not None}
    if built:
        print("| deals | `demo-data` s |\n| ---: | ---: |")
        for size, seconds in built.items():
            print(f"| {size:,} | {seconds:.1f} |")
        print()


def print_table(measured, sizes, tables):
    """Markdown: each page's median at each size, per way of serving, and the largest size's multiple of the
    smallest's."""
    head, rule = ["page"], ["---"]
    for way in tables:
        head += [f"{way}, {size:,} deals, ms" for size in sizes] + [f"{way} ×"]
        rule += ["---:"] * (len(sizes) + 1)
    print("| " + " | ".join(head) + " |")
    print("| " + " | ".join(rule) + " |")
    for index, (label, _url, _who) in enumerate(measured):
        cells = [label]
        for medians in tables.values():
            cells += [f"{medians[size][index]:.1f}" for size in sizes]
            cells.append(f"{medians[sizes[-1]][index] / medians[sizes[0]][index]:.2f}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
