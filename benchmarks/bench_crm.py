"""Median time of CRM pages on a 100,000-deal SQLite database, in-process and through gunicorn.

Usage: .venv/bin/python benchmarks/bench_crm.py [--deals 100000] [--repeat 21] [--workers 2] [--keep DIR]

Builds the database with `flask init-db` and `flask demo-data` in a temporary folder (or
reuses DIR), signs in as the demo administrator and times each page: in-process with
Flask's test client, then over HTTP against `gunicorn -w WORKERS app:app`. Activity
monitoring has no limits set, as on a fresh install. Prints a Markdown table.
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

BIN = Path(sys.executable).parent
WARM_UP = 3


def pages(database):
    """(label, URL) of each measured page; ids and a phone come from the demo data."""
    with sqlite3.connect(database) as connection:
        deal_id = connection.execute("SELECT max(id) FROM deals").fetchone()[0]
        phone = connection.execute("SELECT phone FROM contacts ORDER BY id LIMIT 1").fetchone()[0]
        pipeline_id = connection.execute("SELECT id FROM pipelines ORDER BY is_main DESC, id LIMIT 1").fetchone()[0]
        user_id = connection.execute("SELECT id FROM users WHERE email = 'anna@tally.example'").fetchone()[0]
    digits = "".join(char for char in phone if char.isdigit())[1:]
    return [
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


def in_process(database, urls, repeat):
    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bench", "OUTBOX_WORKER": False})
    client = app.test_client()
    client.post("/login", data={"email": demo.ADMIN_EMAIL, "password": demo.ADMIN_PASSWORD})

    def fetch(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return [median_ms(fetch, url, repeat) for url in urls]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def through_gunicorn(database, urls, repeat, workers):
    port = free_port()
    env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{database}", "FLASK_SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        session = _signed_in_session(base)

        def fetch(url):
            response = session.get(base + url, allow_redirects=False)
            assert response.status_code == 200, (url, response.status_code)

        return [median_ms(fetch, url, repeat) for url in urls]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _signed_in_session(base):
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
    session.post(f"{base}/login", data={"csrf_token": token, "email": demo.ADMIN_EMAIL,
                                        "password": demo.ADMIN_PASSWORD})
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
        measured = pages(database)
        urls = [url for _label, url in measured]
        local = in_process(database, urls, args.repeat)
        served = through_gunicorn(database, urls, args.repeat, args.workers)
    if loaded is not None:
        print(f"demo-data --deals {args.deals}: {loaded:.1f} s\n")
    print_table(measured, local, served, args.workers)


def print_table(measured, local, served, workers):
    """Markdown: each page's medians and its multiple of the plain page and of the plain deals list."""
    print(f"| page | in-process ms | gunicorn -w {workers} ms | × plain page | × deals list page 1 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for (label, _url), here, there in zip(measured, local, served, strict=True):
        plain_page = f"{here / local[0]:.1f} / {there / served[0]:.1f}"
        plain_list = f"{here / local[1]:.2f} / {there / served[1]:.2f}"
        print(f"| {label} | {here:.1f} | {there:.1f} | {plain_page} | {plain_list} |")
    print("\n(multiples: in-process / gunicorn)")

if __name__ == "__main__":
    main()
