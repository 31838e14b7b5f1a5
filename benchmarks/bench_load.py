"""Load: signed-in users clicking lists and cards against gunicorn, on SQLite and on PostgreSQL.

Usage: .venv/bin/python benchmarks/bench_load.py [--deals 100000] [--users 10,50,200] [--duration 20]
       [--warm-up 5] [--repeat 3] [--workers 4] [--threads 4] [--backends sqlite,postgresql]

For each backend: a fresh database (a SQLite file in a temporary folder, or a database on a
throwaway PostgreSQL cluster started as tests/fixtures_postgres.py starts one) gets `flask
init-db` and `flask demo-data --deals N`, then as many extra users as the largest load, each
with all rights and the demo password (their rows copy a demo user's password hash: hashing 200
passwords is not what is measured). Activity monitoring gets limits no one reaches (10**9 cards
and list elements a day, written to the settings row), so every view runs the counting path as
in production with limits; history is always recorded. `gunicorn -w WORKERS --threads THREADS
app:app` serves it, as `make run` does.

The users sign in one after another before anything is timed (the sign-in throttle counts
attempts per address, and a right password clears them). Then each virtual user loops with no
think time: a list page (deals, contacts, companies or customers; page 1 to 20; one in five a
search by a word of a record's name, one in five a filter by tag, responsible user or preset),
then the card of a random record that exists. Each load runs REPEAT times a warm-up, then
DURATION seconds counted: requests per second, p50/p95/p99 latency (medians over the runs: the
machine is shared), and errors (any status but 200, or an exception; summed over the runs).
Client threads use requests sessions (aiohttp is not in the venv); the client's own CPU share is
printed so that it can be seen not to be the bottleneck. Prints a Markdown table.
"""
import argparse
import collections
import os
import platform
import random
import re
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests
from sqlalchemy import bindparam, create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_crm import signed_in_session  # noqa: E402 (this folder)

from monitor.services import demo  # noqa: E402
from monitor.services.records import rights  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.fixtures_postgres import _server_binaries, _skip_reason, fresh_database, throwaway_cluster  # noqa: E402

BIN = Path(sys.executable).parent
# URL name -> table; each list is followed by a card of the same kind.
ENTITIES = {"leads": "deals", "contacts": "contacts", "companies": "companies", "customers": "customers"}
NO_ONE_REACHES = 10**9
BENCH_EMAIL = "load{:03d}@tally.example"


@contextmanager
def postgres_cluster():
    """A throwaway PostgreSQL cluster, started as the tests start theirs; yields its URL."""
    bindir = _server_binaries()
    reason = _skip_reason(bindir)
    if reason:
        raise SystemExit(reason)
    with throwaway_cluster(bindir, prefix="tally-load-pg-") as url:
        yield url


def database_url(stack, backend):
    """A URL of a fresh, empty database of `backend`, removed when `stack` closes."""
    if backend == "sqlite":
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="tally-load-"))
        return f"sqlite:///{Path(folder) / 'tally.sqlite3'}"
    return stack.enter_context(fresh_database(stack.enter_context(postgres_cluster())))


def build(url, deals):
    """init-db and demo-data into `url`; returns how long demo-data took (s)."""
    env = {**os.environ, "FLASK_DATABASE_URL": url}
    flask = [str(BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([*flask, "demo-data", "--deals", str(deals)], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def prepare(url, users):
    """Extra users, high activity limits; returns what the clicks need: the users' e-mails, record ids,
    search words, responsible ids, and the server's version."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            source = connection.execute(text(
                "SELECT password_hash FROM users WHERE email = :email"), {"email": "anna@tally.example"}).one()
            responsible = [row[0] for row in connection.execute(text("SELECT id FROM users ORDER BY id"))]
            connection.execute(text(
                "INSERT INTO users (email, name, password_hash, is_admin, can_export, rights, active, "
                "monitoring_exempt, session_version, created_at, updated_at) VALUES (:email, :name, :hash, "
                ":no, :no, :rights, :yes, :no, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                [{"email": BENCH_EMAIL.format(i), "name": f"Load {i}", "hash": source.password_hash,
                  "rights": rights.dump(rights.ALL), "no": False, "yes": True} for i in range(users)])
            limits = {"limit": NO_ONE_REACHES}
            changed = connection.execute(text(
                "UPDATE activity_settings SET card_limit = :limit, list_limit = :limit WHERE id = 1"), limits).rowcount
            if not changed:
                connection.execute(text(
                    "INSERT INTO activity_settings (id, card_limit, card_period, list_limit, list_period, action, "
                    "timezone, warn_percent, warn_admins, updated_at) VALUES (1, :limit, 'day', :limit, 'day', "
                    "'deactivate', 'UTC', 80, :no, CURRENT_TIMESTAMP)"), {**limits, "no": False})
            ids, words = {}, {}
            for table in ENTITIES.values():
                ids[table] = [row[0] for row in connection.execute(text(f"SELECT id FROM {table}"))]  # noqa: S608
                names = connection.execute(text(f"SELECT name FROM {table} WHERE id IN :ids").bindparams(  # noqa: S608
                    bindparam("ids", expanding=True)), {"ids": random.sample(ids[table], 20)})
                words[table] = [name.split()[0] for name, in names if name.split()]
            version = connection.execute(text(
                "SELECT sqlite_version()" if url.startswith("sqlite") else "SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    return {"emails": [BENCH_EMAIL.format(i) for i in range(users)], "ids": ids, "words": words,
            "responsible": responsible, "version": version}


@contextmanager
def gunicorn(url, workers, threads):
    """`gunicorn -w WORKERS --threads THREADS app:app` on a free port; yields (base URL, its process)."""
    port = free_port()
    env = {**os.environ, "FLASK_DATABASE_URL": url, "FLASK_SECRET_KEY": "bench-load"}
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def sign_in(base, email):
    """A requests session signed in as `email` (the demo password); waits for the server to listen."""
    return signed_in_session(base, email, demo.DEMO_PASSWORD)


def clicks(rng, data):
    """An endless walk: a list page (sometimes searched or filtered), then a card of that kind."""
    while True:
        name = rng.choice(list(ENTITIES))
        table = ENTITIES[name]
        query = f"page={rng.randint(1, 20)}"
        draw = rng.random()
        if draw < 0.2:
            query = f"q={rng.choice(data['words'][table])}"
        elif draw < 0.4:
            query = rng.choice(["tag=vip", f"responsible={rng.choice(data['responsible'])}", "preset=mine"])
        yield f"/{name}?{query}"
        yield f"/{name}/{rng.choice(data['ids'][table])}"


class Load:
    """One load: `sessions` looping over `clicks` for warm-up + duration seconds; the samples of the timed part."""

    def __init__(self, base, sessions, data, warm_up, duration, server_pid):
        self.base, self.sessions, self.data, self.server_pid = base, sessions, data, server_pid
        self.started = time.perf_counter()
        self.counted_from = self.started + warm_up
        self.ends = self.counted_from + duration
        self.latencies, self.errors = [], collections.Counter()
        self.lock = threading.Lock()

    def user(self, index):
        rng = random.Random(index)
        session = self.sessions[index]
        for path in clicks(rng, self.data):
            began = time.perf_counter()
            if began >= self.ends:
                return
            try:
                response = session.get(self.base + path, allow_redirects=False, timeout=120)
                error = None if response.status_code == 200 else f"HTTP {response.status_code} {path.split('?')[0]}"
            except requests.RequestException as exc:
                error = type(exc).__name__
            finished = time.perf_counter()
            if began >= self.counted_from and finished <= self.ends:
                with self.lock:
                    if error:
                        self.errors[error] += 1
                    else:
                        self.latencies.append((finished - began) * 1000)

    def run(self):
        """Run every user in a thread; returns the row of the table (rps, percentiles, errors, CPU shares)."""
        # Daemons: on Ctrl-C the servers stop at once, without waiting for the users' loops to end.
        threads = [threading.Thread(target=self.user, args=(index,), daemon=True)
                   for index in range(len(self.sessions))]
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, self.counted_from - time.perf_counter()))
        client, machine, server = _client_cpu(), _machine_cpu(), _workers_cpu(self.server_pid)
        time.sleep(max(0.0, self.ends - time.perf_counter()))
        client_share = (_client_cpu() - client) / (self.ends - self.counted_from)
        server_seconds = _workers_cpu(self.server_pid) - server
        machine_busy = _busy_share(machine, _machine_cpu())
        for thread in threads:
            thread.join()
        duration = self.ends - self.counted_from
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive") if len(self.latencies) > 1 else [0] * 99
        return {"rps": len(self.latencies) / duration, "p50": cuts[49], "p95": cuts[94], "p99": cuts[98],
                "errors": sum(self.errors.values()), "error_kinds": dict(self.errors),
                "client_cpu": client_share, "machine_busy": machine_busy,
                "server_ms": server_seconds * 1000 / max(1, len(self.latencies))}


def _client_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _workers_cpu(master):
    """CPU seconds (user + system) the gunicorn workers of `master` have used so far."""
    ticks = 0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_cpu():
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]  # total, idle + iowait


def _busy_share(before, after):
    total, idle = after[0] - before[0], after[1] - before[1]
    return (total - idle) / total if total else 0.0


def median_row(runs):
    """Each figure's median over the runs of one load; errors summed."""
    row = {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p95", "p99", "client_cpu",
                                                                       "machine_busy", "server_ms")}
    kinds = collections.Counter()
    for run in runs:
        kinds.update(run["error_kinds"])
    return {**row, "errors": sum(kinds.values()), "error_kinds": dict(kinds)}


def run_backend(backend, args):
    """Build, serve and load one backend; returns (its rows, its version, demo-data seconds)."""
    with ExitStack() as stack:
        url = database_url(stack, backend)
        loaded = build(url, args.deals)
        data = prepare(url, max(args.users))
        base, server = stack.enter_context(gunicorn(url, args.workers, args.threads))
        started = time.perf_counter()
        sessions = [sign_in(base, email) for email in data["emails"]]
        print(f"{backend}: demo-data {loaded:.0f} s, {len(sessions)} sign-ins {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        rows = []
        for users in args.users:
            runs = []
            for _ in range(args.repeat):
                runs.append(Load(base, sessions[:users], data, args.warm_up, args.duration, server.pid).run())
                print(f"{backend} {users} users: {runs[-1]}", file=sys.stderr)
            rows.append((users, median_row(runs)))
        for session in sessions:
            session.close()
        return rows, data["version"], loaded


def machine(versions):
    """The machine lines: CPU model, cores, RAM, Python, SQLite and PostgreSQL versions."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory_kb = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE).group(1))
    return (f"Machine: {model.group(1) if model else platform.machine()}, {os.cpu_count()} cores, "
            f"{memory_kb / 1024 ** 2:.0f} GiB RAM; Python {platform.python_version()}, "
            f"SQLite {versions.get('sqlite', sqlite3.sqlite_version)}, PostgreSQL {versions.get('postgresql', '-')}")


def print_table(results, args, versions):
    """Markdown: a row per backend and load."""
    print(f"{args.deals:,} demo deals; gunicorn -w {args.workers} --threads {args.threads}; "
          f"closed loop; per load the median of "
          f"{args.repeat} runs, each {args.warm_up:g} s warm-up then {args.duration:g} s counted\n")
    print("| backend | users | requests/s | p50 ms | p95 ms | p99 ms | errors | workers' CPU ms/request | client CPU "
          "| machine CPU busy |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for backend, rows in results.items():
        for users, row in rows:
            print(f"| {backend} | {users} | {row['rps']:.1f} | {row['p50']:.0f} | {row['p95']:.0f} | "
                  f"{row['p99']:.0f} | {row['errors']} | {row['server_ms']:.0f} | {row['client_cpu']:.0%} | "
                  f"{row['machine_busy']:.0%} |")
    errors = {f"{backend} {users}": row["error_kinds"] for backend, rows in results.items()
              for users, row in rows if row["errors"]}
    if errors:
        print(f"\nErrors: {errors}")
    print("\n(workers' CPU: the gunicorn workers' user + system time per counted request; client CPU: the load "
          "generator's share of one core; machine CPU busy: all cores, everything on the machine)")
    print(machine(versions))


def _stopped(signum, _frame):
    raise SystemExit(128 + signum)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--users", type=lambda value: [int(n) for n in value.split(",")], default=[10, 50, 200])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds counted per load")
    parser.add_argument("--warm-up", type=float, default=5.0, help="seconds run before counting, per load")
    parser.add_argument("--repeat", type=int, default=3, help="runs per load; the table shows medians")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn --threads, as `make run` starts it")
    parser.add_argument("--backends", type=lambda value: value.split(","), default=["sqlite", "postgresql"])
    args = parser.parse_args()
    # Ctrl-C, or a kill, still stops the servers and removes the folders (the context managers'
    # exits run); SIGINT too when a shell started us in the background with it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stopped)
    started = time.perf_counter()
    results, versions = {}, {}
    for backend in args.backends:
        results[backend], versions[backend], _loaded = run_backend(backend, args)
    print_table(results, args, versions)
    print(f"Run time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
