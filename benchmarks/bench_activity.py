"""What activity monitoring adds to a card view and a list page: monitoring off vs on, same run.

Usage: .venv/bin/python benchmarks/bench_activity.py [--deals 20000] [--repeat 201] [--workers 4]

Builds a demo database (see bench_crm.py), signs in as an ordinary demo user and opens
*distinct* deal cards (every one a first view, the costly case) and the first deals list page,
alternating monitoring off (no limits) and on (limits of 1,000,000) request by request so both
see the same machine load. In-process with Flask's test client, then over HTTP against
`gunicorn -w WORKERS app:app`. Prints a Markdown table of medians and the on/off ratio.
"""
import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_crm  # noqa: E402

from monitor import create_app  # noqa: E402

USER = ("anna@tally.example", "tally-demo")
ON = "UPDATE activity_settings SET card_limit = 1000000, list_limit = 1000000"
OFF = "UPDATE activity_settings SET card_limit = NULL, list_limit = NULL"


def switch(database, statement):
    with sqlite3.connect(database, timeout=30) as connection:
        connection.execute(
            "INSERT OR IGNORE INTO activity_settings (id, card_period, list_period, action, timezone, updated_at) "
            "VALUES (1, 'day', 'day', 'deactivate', 'UTC', '2026-01-01 00:00:00.000000')")
        connection.execute(statement)


def alternate(database, fetch, repeat):
    """{(page, mode): median ms}, modes interleaved request by request."""
    samples = {(page, mode): [] for page in ("card", "list") for mode in ("off", "on")}
    card = iter(range(1, 10**9))
    for _ in range(repeat):
        for mode, statement in (("off", OFF), ("on", ON)):
            switch(database, statement)
            for page, url in (("card", f"/leads/{next(card)}"), ("list", "/leads")):
                started = time.perf_counter()
                fetch(url)
                samples[(page, mode)].append((time.perf_counter() - started) * 1000)
    return {key: statistics.median(values) for key, values in samples.items()}


def in_process(database, repeat):
    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bench", "OUTBOX_WORKER": False})
    client = app.test_client()
    client.post("/login", data={"email": USER[0], "password": USER[1]})

    def fetch(url):
        assert client.get(url).status_code == 200, url

    return alternate(database, fetch, repeat)


def through_gunicorn(database, repeat, workers):
    port = bench_crm.free_port()
    env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{database}", "FLASK_SECRET_KEY": "bench"}
    server = subprocess.Popen([str(bench_crm.BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                               "app:app"], cwd=bench_crm.ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        session = bench_crm.signed_in_session(base, *USER)  # waits until the server is up

        def fetch(url):
            response = session.get(base + url, allow_redirects=False)
            assert response.status_code == 200, (url, response.status_code)

        return alternate(database, fetch, repeat)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=201)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database, _loaded = bench_crm.build(folder, args.deals)
        local = in_process(database, args.repeat)
        served = through_gunicorn(database, args.repeat, args.workers)
    print(f"| page ({args.deals} deals) | where | monitoring off ms | on ms | on / off |")
    print("| --- | --- | ---: | ---: | ---: |")
    for page, label in (("card", "deal card, first view"), ("list", "deals list, page 1")):
        for where, result in (("in-process", local), (f"gunicorn -w {args.workers}", served)):
            off, on = result[(page, "off")], result[(page, "on")]
            print(f"| {label} | {where} | {off:.2f} | {on:.2f} | {on / off:.3f} |")


if __name__ == "__main__":
    main()
