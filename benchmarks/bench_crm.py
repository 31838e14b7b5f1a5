"""Median time of CRM pages on a 100,000-deal SQLite database, in-process and through gunicorn.

Usage: .venv/bin/python benchmarks/bench_crm.py [--deals 100000] [--repeat 21] [--workers 2] [--keep DIR]

Builds the database with `flask init-db` and `flask demo-data` in a temporary folder (or
reuses DIR), signs in as the demo administrator and times each page: in-process with
Flask's test client, then over HTTP against `gunicorn -w WORKERS app:app`. Activity
monitoring has no limits set, as on a fresh install. Prints a Markdown table.

One row is read as a demo user who may view only their own deals (rights per entity, SPEC §10;
issue 13 asks it to stay within 1.5x the administrator's deals list page 1): the benchmark gives
OWN_DEALS_USER those rights in the database before it measures.
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
    """A fresh database with demo data; returns its path and how long demo-data took."""
    database = Path(folder) / "tally.sqlite3"
    env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{database}"}
    flask = [str(BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([*flask, "demo-data", "--deals", str(deals)], cwd=ROOT, env=env, check=True, capture_output=True)
    return database, time.perf_counter() - started


def median_ms(fetch, url, repeat):
    for _ in range(WARM_UP):
        fetch(url)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fetch(url)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def in_process(database, measured, repeat):
    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bench", "OUTBOX_WORKER": False})
    clients = {}
    for who in {who for _label, _url, who in measured}:
        clients[who] = app.test_client()
        password = demo.ADMIN_PASSWORD if who is None else demo.DEMO_PASSWORD
        clients[who].post("/login", data={"email": who or demo.ADMIN_EMAIL, "password": password})

    def timed(who, url):
        def fetch(url):
            response = clients[who].get(url)
            assert response.status_code == 200, (url, who, response.status_code)

        return median_ms(fetch, url, repeat)

    return [timed(who, url) for _label, url, who in measured]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def through_gunicorn(database, measured, repeat, workers):
    port = free_port()
    env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{database}", "FLASK_SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        sessions = {who: _signed_in_session(base, who) for who in {who for _label, _url, who in measured}}

        def timed(who, url):
            def fetch(url):
                response = sessions[who].get(base + url, allow_redirects=False)
                assert response.status_code == 200, (url, who, response.status_code)

            return median_ms(fetch, url, repeat)

        return [timed(who, url) for _label, url, who in measured]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _signed_in_session(base, who=None):
    """A requests session signed in as the administrator (who None) or the demo user `who`."""
    session = requests.Session()
    deadline = time.monotonic() + 30
    while True:
        try:
            login = session.get(f"{base}/login", timeout=5)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login.text).group(1)
    password = demo.ADMIN_PASSWORD if who is None else demo.DEMO_PASSWORD
    session.post(f"{base}/login", data={"csrf_token": token, "email": who or demo.ADMIN_EMAIL, "password": password})
    return session


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", help="build the database in (or reuse it from) this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or scratch
        database = Path(folder) / "tally.sqlite3"
        if args.keep and database.exists():
            loaded = None
        else:
            Path(folder).mkdir(parents=True, exist_ok=True)
            database, loaded = build(folder, args.deals)
        give_own_deals_rights(database)
        measured = pages(database)
        local = in_process(database, measured, args.repeat)
        served = through_gunicorn(database, measured, args.repeat, args.workers)
    if loaded is not None:
        print(f"demo-data --deals {args.deals}: {loaded:.1f} s\n")
    print_table(measured, local, served, args.workers)


def print_table(measured, local, served, workers):
    """Markdown: each page's medians and its multiple of the plain page and of the plain deals list."""
    print(f"| page | in-process ms | gunicorn -w {workers} ms | × plain page | × deals list page 1 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for (label, _url, _who), here, there in zip(measured, local, served, strict=True):
        plain_page = f"{here / local[0]:.1f} / {there / served[0]:.1f}"
        plain_list = f"{here / local[1]:.2f} / {there / served[1]:.2f}"
        print(f"| {label} | {here:.1f} | {there:.1f} | {plain_page} | {plain_list} |")
    print("\n(multiples: in-process / gunicorn)")

if __name__ == "__main__":
    main()
