"""The activity history (SPEC §8): what it stores per 1,000 views, what it costs a charge, how fast it is read.

Usage: .venv/bin/python benchmarks/bench_history.py [--users 50] [--days 30] [--cards 2000]
       [--elements 20000] [--repeat 5] [--deals 20000] [--activity-repeat 201] [--parts 1,2,3]

1. Detail per 1,000 views, through the real path: a fresh demo database (bench_crm.build), an
   ordinary user signed in through Flask's test client, an injected CLOCK spreading the requests
   over an 8-hour working day. Rows and bytes (SQLite's dbstat: table and index pages) each
   history table gains, per scenario.
2. Recording cost: bench_activity's in-process part (no limits vs limits of 1,000,000; both
   record the history), and `activity.charge` alone with the history write patched out, to see
   what recording itself adds.
3. Reading speed: `--days` days of history for `--users` users, each `--cards` card opens and
   `--elements` list elements (pages of 50) a day, written by `recording.record` on a raw sqlite3
   connection (the statements the live path runs), cached under /tmp keyed by the parameters and
   the schema. Then the median of `--repeat` runs of `preview.run` with several limit sets, and of
   the usage page, the usage CSV, a user's chart page and the settings page's preview, as an
   administrator through the test client. A part whose module or route is missing prints
   "not available yet".

No timed assertions: it prints Markdown tables.
"""
import argparse
import bisect
import hashlib
import importlib.util
import json
import math
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_activity  # noqa: E402
import bench_crm  # noqa: E402

from monitor import activity, create_app  # noqa: E402
from monitor.activity import counting, recording  # noqa: E402
from monitor.activity import settings as activity_settings  # noqa: E402
from monitor.db import db  # noqa: E402
from monitor.services import demo, users  # noqa: E402

ROOT = bench_crm.ROOT
HISTORY_TABLES = ("activity_quarters", "activity_marks", "activity_list_views")
LIVE_TABLES = ("activity_card_views", "activity_counts")
ORDINARY = ("anna@tally.example", "tally-demo")
PAGE = 50
NOT_YET = "not available yet"

# Part 1: the requests of a scenario are spread evenly over a working day.
DAY_START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WORKING_DAY = timedelta(hours=8)

# Part 3: the generated history. Bump GENERATOR when the generator changes (the cache key).
GENERATOR = 1
ZONE = "Europe/Moscow"  # the account's zone; the working day is 09:00-18:00 local, start jittered ±30 min
LAST_DAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 20, 0)  # UTC: 23:00 in Moscow, the last working day over
WORK_SECONDS = 9 * 3600
NEW_CARD_SHARE = 0.7
REOPEN_DELAY = (120, 6 * 3600)  # a re-open comes 2 minutes to 6 hours after (log-uniform)
UNIVERSE = {"leads": 100_000, "contacts": 50_000, "companies": 10_000, "customers": 5_000}
ENTITY_WEIGHTS = (0.55, 0.25, 0.12, 0.08)


def limit_sets(cards, elements):
    """(label, Limits fields) scaled to the daily volumes, so a small run reaches limits too."""
    def n(value):
        return max(1, min(1_000_000, int(value)))

    sets = [
        (n(cards * 0.5), "day", n(elements * 0.75), "day", "deactivate", ZONE),
        (n(cards * 0.1), "hour", n(elements * 0.125), "hour", "deactivate", ZONE),
        (n(cards * 0.6), "day", None, "day", "notify", "Asia/Kathmandu"),
        (None, "hour", n(elements * 0.1), "hour", "notify", "Asia/Kathmandu"),
        (n(cards * 50), "day", None, "day", "deactivate", "UTC"),
    ]
    labelled = []
    for card_limit, card_period, list_limit, list_period, action, zone in sets:
        parts = []
        if card_limit is not None:
            parts.append(f"cards {card_limit:,}/{card_period}")
        if list_limit is not None:
            parts.append(f"lists {list_limit:,}/{list_period}")
        labelled.append((", ".join([*parts, action, zone]),
                         (card_limit, card_period, list_limit, list_period, action, zone)))
    return labelled


class Clock:
    """The app's CLOCK: returns `now`, which the benchmark moves."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def make_app(database, **config):
    return create_app({"DATABASE_URL": f"sqlite:///{database}", "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
                       "OUTBOX_WORKER": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **config})


def sign_in(client, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, (email, response.status_code)


def median_ms(function, repeat, warm_up=1):
    for _ in range(warm_up):
        function()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


# ---------------------------------------------------------------- part 1: bytes per 1,000 views

def has_dbstat(database):
    with sqlite3.connect(database) as connection:
        try:
            connection.execute("SELECT count(*) FROM dbstat").fetchone()
        except sqlite3.OperationalError:
            return False
    return True


def measure(database, dbstat):
    """{table: (rows, table bytes, index bytes, allocated bytes)}, and the file's size after a checkpoint.

    Bytes are those used in the table's and its indexes' b-tree pages (dbstat: pgsize - unused,
    i.e. cells, cell pointers and page headers), so they move by the row, not by the 4 KiB page;
    allocated bytes are the whole pages.
    """
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes = {}
        if dbstat:
            for table, kind, allocated, used in connection.execute(
                    "SELECT m.tbl_name, m.type, SUM(s.pgsize), SUM(s.pgsize - s.unused) FROM dbstat s "
                    "JOIN sqlite_master m ON m.name = s.name GROUP BY s.name"):
                table_bytes, index_bytes, pages = sizes.get(table, (0, 0, 0))
                if kind == "table":
                    table_bytes += used
                else:
                    index_bytes += used
                sizes[table] = (table_bytes, index_bytes, pages + allocated)
        result = {}
        for table in HISTORY_TABLES + LIVE_TABLES:
            rows = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (our names)
            result[table] = (rows, *sizes.get(table, (0, 0, 0)))
        file_size = Path(database).stat().st_size
    finally:
        connection.close()
    return result, file_size


def scenarios(rng):
    """{name: (request URLs in order, views)}: 1,000 views each."""
    reopened = [f"/leads/{card}" for card in range(1, 101) for _ in range(10)]
    rng.shuffle(reopened)
    kinds = ["new"] * 299 + ["again"] * 200 + ["list"] * 10
    rng.shuffle(kinds)
    mix, seen = [], []
    for kind in ["new", *kinds]:  # the first is a new card, so every re-open has one to re-open
        if kind == "new":
            seen.append(len(seen) + 1)
            mix.append(f"/leads/{seen[-1]}")
        elif kind == "again":
            mix.append(f"/leads/{rng.choice(seen)}")
        else:
            mix.append(f"/leads?page={len([u for u in mix if '?' in u]) + 1}")
    return {
        "(a) 1,000 distinct deal cards": ([f"/leads/{card}" for card in range(1, 1001)], 1000),
        "(b) 1,000 opens of 100 cards (10 each)": (reopened, 1000),
        "(c) 20 list pages of 50": ([f"/leads?page={page}" for page in range(1, 21)], 1000),
        "(d) mix: 300 new cards, 200 re-opens, 10 list pages": (mix, 1000),
    }


def bytes_per_views(base, rng):
    dbstat = has_dbstat(base)
    results = []
    for name, (urls, views) in scenarios(rng).items():
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "scenario.sqlite3"
            shutil.copyfile(base, database)
            before, file_before = measure(database, dbstat)
            clock = Clock(DAY_START)
            app = make_app(database, CLOCK=clock)
            client = app.test_client()
            sign_in(client, *ORDINARY)
            step = WORKING_DAY / len(urls)
            for i, url in enumerate(urls):
                clock.now = DAY_START + i * step
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            with app.app_context():
                db.engine.dispose()
            after, file_after = measure(database, dbstat)
        results.append((name, len(urls), views, before, after, file_after - file_before))
    return dbstat, results


def print_bytes(dbstat, results):
    print("## 1. History stored per 1,000 views (real request path, an ordinary user, spread over 8 hours)\n")
    if dbstat:
        print("Bytes: SQLite dbstat, bytes used in each table's and its indexes' b-tree pages (pgsize - unused: "
              "cells, pointers, headers); 'pages' = whole 4 KiB pages allocated, so ±1 page a b-tree. "
              "Live counting tables (pruned with their window) for comparison.\n")
    else:
        print("dbstat is not compiled in: bytes are the file's growth after a checkpoint, totals only.\n")
    print("| scenario | requests | table | rows | table bytes | index bytes | bytes | bytes a row | pages bytes |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, requests, views, before, after, file_delta in results:
        scale = 1000 / views
        total = total_pages = 0
        for table in HISTORY_TABLES + LIVE_TABLES:
            rows, table_bytes, index_bytes, pages = ((a - b) * scale for a, b in zip(after[table], before[table],
                                                                                     strict=True))
            label = f"{table} (live)" if table in LIVE_TABLES else table
            if table in HISTORY_TABLES:
                total += table_bytes + index_bytes
                total_pages += pages
            if not dbstat:
                print(f"| {name} | {requests} | {label} | {rows:,.0f} | – | – | – | – | – |")
                continue
            per_row = f"{(table_bytes + index_bytes) / rows:.0f}" if rows else "–"
            print(f"| {name} | {requests} | {label} | {rows:,.0f} | {table_bytes:,.0f} | {index_bytes:,.0f} | "
                  f"{table_bytes + index_bytes:,.0f} | {per_row} | {pages:,.0f} |")
        if dbstat:
            print(f"| {name} | {requests} | **history, 3 tables** | | | | **{total:,.0f}** | | {total_pages:,.0f} |")
        else:
            print(f"| {name} | {requests} | **history + live, file growth** | | | | **{file_delta * scale:,.0f}** "
                  "| | |")
    print()


# ---------------------------------------------------------------- part 2: recording cost

def charge_with_and_without_history(database, n):
    """Median µs of activity.charge (no limits) with the history write and with it patched out, interleaved."""
    app = make_app(database)
    original = counting.Counter.record
    samples = {(case, mode): [] for case in ("card", "list") for mode in ("with", "without")}
    with app.app_context():
        user = users.find_user(ORDINARY[0])
        activity_settings.save_settings("", "day", "", "day", "deactivate", "UTC")
        calls = {"card": lambda i: activity.charge(user, "web", cards=[("leads", 100_000 + i)]),
                 "list": lambda i: activity.charge(user, "web", elements=PAGE)}
        try:
            for i in range(n):
                for mode in ("with", "without"):
                    counting.Counter.record = original if mode == "with" else (lambda *args, **kwargs: None)
                    for case, call in calls.items():
                        started = time.perf_counter()
                        call(2 * i + (mode == "without"))
                        samples[(case, mode)].append((time.perf_counter() - started) * 1e6)
        finally:
            counting.Counter.record = original
    return {key: statistics.median(values) for key, values in samples.items()}


def recording_cost(base, activity_repeat, charge_n):
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "activity.sqlite3"
        shutil.copyfile(base, database)
        pages = bench_activity.in_process(database, activity_repeat)
        bench_activity.switch(database, bench_activity.OFF)
        charges = charge_with_and_without_history(database, charge_n)
    print("## 2. Recording cost (in-process, SQLite WAL)\n")
    print(f"bench_activity's in-process part, medians of {activity_repeat} requests each, no limits vs limits "
          "of 1,000,000 alternating request by request (both record the history; target on/off ≤ 1.10):\n")
    print("| page | no limits ms | limits 1,000,000 ms | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for page, label in (("card", "deal card, first view"), ("list", "deals list, page 1")):
        off, on = pages[(page, "off")], pages[(page, "on")]
        print(f"| {label} | {off:.2f} | {on:.2f} | {on / off:.3f} |")
    print(f"\n`activity.charge` alone, no limits, {charge_n} calls each, the history write "
          "(`Counter.record`) patched out in alternate calls:\n")
    print("| charge | with history µs | history patched out µs | history adds µs | share of the page |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for case, label in (("card", "new card view"), ("list", "list page (50 elements)")):
        with_history, without = charges[(case, "with")], charges[(case, "without")]
        page_ms = pages[(case, "off")]
        added = with_history - without
        print(f"| {label} | {with_history:.0f} | {without:.0f} | {added:.0f} | {added / 10 / page_ms:.1f} % |")
    print()


# ---------------------------------------------------------------- part 3: a month of history, read back

def schema_fingerprint():
    digest = hashlib.sha256()
    paths = [ROOT / "monitor/activity/recording.py", ROOT / "monitor/models/history.py",
             *sorted((ROOT / "monitor/migrations/versions").glob("*.py"))]
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_path(args):
    key = json.dumps([GENERATOR, args.users, args.days, args.cards, args.elements, args.seed, ZONE,
                      LAST_DAY.isoformat(), schema_fingerprint()])
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    name = f"tally-bench-history-{args.users}u-{args.days}d-{args.cards}c-{args.elements}e-{digest}.sqlite3"
    return Path(args.cache_dir) / name


def create_users(database, count):
    """The demo users and enough more to make `count`; the account's zone set to ZONE. Their ids."""
    app = make_app(database)
    with app.app_context():
        for n in range(6, count + 1):
            users.create_user(f"Bench User {n:03}", f"user{n:03}@bench.example", "bench-password")
        activity_settings.save_settings("", "day", "", "day", "deactivate", ZONE)
        db.engine.dispose()
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM users ORDER BY id LIMIT ?", (count,))]


class UserDay:
    """One user's card opens: today's (for re-opens) and the last two days' (for "not seen in a day")."""

    def __init__(self):
        self.times, self.cards, self.last_seen = [], [], {}

    def new_day(self, cutoff):
        self.times, self.cards = [], []
        self.last_seen = {card: seen for card, seen in self.last_seen.items() if seen >= cutoff}

    def pick(self, rng, moment):
        seconds = moment.timestamp()
        if self.times and rng.random() >= NEW_CARD_SHARE:
            delay = math.exp(rng.uniform(math.log(REOPEN_DELAY[0]), math.log(REOPEN_DELAY[1])))
            index = max(0, bisect.bisect_right(self.times, seconds - delay) - 1)
            card = self.cards[index]
        else:
            while True:
                entity = rng.choices(tuple(UNIVERSE), ENTITY_WEIGHTS)[0]
                card = (entity, rng.randint(1, UNIVERSE[entity]))
                if self.last_seen.get(card, 0) < seconds - 86400:
                    break
        self.times.append(seconds)
        self.cards.append(card)
        self.last_seen[card] = seconds
        return card


def day_requests(rng, day, user_ids, cards, elements):
    """Every request of one local working day, in time order: (UTC moment, user, 'card' or elements)."""
    zone = ZoneInfo(ZONE)
    pages, rest = divmod(elements, PAGE)
    requests = []
    for user_id in user_ids:
        start = datetime.combine(day, clock_time(9), zone) + timedelta(minutes=rng.uniform(-30, 30))
        start = start.astimezone(UTC).replace(tzinfo=None)
        kinds = ["card"] * cards + [PAGE] * pages + ([rest] if rest else [])
        rng.shuffle(kinds)
        offsets = sorted(rng.uniform(0, WORK_SECONDS) for _ in kinds)
        requests += [(start + timedelta(seconds=offset), user_id, kind) for offset, kind in zip(offsets, kinds,
                                                                                                 strict=True)]
    requests.sort(key=lambda request: request[0])
    return requests


def generate(database, args):
    """Write the history through recording.record, a transaction a day; returns the number of calls."""
    rng = random.Random(args.seed)
    user_ids = create_users(database, args.users)
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-1000000")
    cursor = connection.cursor()
    state = {user_id: UserDay() for user_id in user_ids}
    calls = 0

    def same(statement):
        return statement

    for offset in range(args.days - 1, -1, -1):
        day = LAST_DAY - timedelta(days=offset)
        requests = day_requests(rng, day, user_ids, args.cards, args.elements)
        cutoff = requests[0][0].replace(tzinfo=UTC).timestamp() - 2 * 86400
        for user_day in state.values():
            user_day.new_day(cutoff)
        cursor.execute("BEGIN")
        for moment, user_id, kind in requests:
            utc = moment.replace(tzinfo=UTC)
            if kind == "card":
                card = state[user_id].pick(rng, utc)
                channel = "api" if rng.random() < 0.05 else "web"
                recording.record(cursor, same, user_id, channel, [card], 0, moment)
            else:
                draw = rng.random()
                channel = "mobile" if draw < 0.05 else "api" if draw < 0.15 else "web"
                recording.record(cursor, same, user_id, channel, (), kind, moment)
            calls += 1
        cursor.execute("COMMIT")
        print(f"  generated {day} ({calls:,} calls so far)", file=sys.stderr)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("ANALYZE")
    connection.close()
    return calls


def history_database(args):
    """The cached database (generated when missing) and a line on how it came about."""
    path = cache_path(args)
    info_path = path.with_suffix(".json")
    if path.exists() and info_path.exists():
        info = json.loads(info_path.read_text())
        return path, (f"reused {path} (generated {info['calls']:,} record() calls in {info['seconds']:.0f} s, "
                      f"{info['microseconds_a_call']:.0f} µs a call)")
    Path(args.cache_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.cache_dir) as folder:
        base, _loaded = bench_crm.build(folder, 2000)
        started = time.perf_counter()
        calls = generate(base, args)
        seconds = time.perf_counter() - started
        shutil.move(base, path)
    info = {"calls": calls, "seconds": seconds, "microseconds_a_call": seconds / calls * 1e6}
    info_path.write_text(json.dumps(info))
    return path, (f"generated {path}: {calls:,} record() calls in {seconds:.0f} s "
                  f"({info['microseconds_a_call']:.0f} µs a call, users created and committed a day at a time)")


def route_exists(app, rule_prefix):
    return any(rule.rule.startswith(rule_prefix) for rule in app.url_map.iter_rules())


def time_preview(app, args):
    if importlib.util.find_spec("monitor.activity.preview") is None:
        print(f"preview.run: {NOT_YET}\n")
        return
    from monitor.activity import preview

    print(f"`preview.run(limits, {args.days})` on the whole history, median of {args.repeat} (target < 2 s):\n")
    print("| limits | would-be rows | busiest | median s | min s | max s |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    with app.app_context():
        for label, values in limit_sets(args.cards, args.elements):
            limits = counting.Limits(*values)
            samples, result = [], None
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = preview.run(limits, args.days, now=NOW)
                samples.append(time.perf_counter() - started)
            rows = result.rows if hasattr(result, "rows") else result.stops
            busiest = describe_busiest(result.busiest if hasattr(result, "busiest") else result.peaks)
            print(f"| {label} | {len(rows):,} | {busiest} | {statistics.median(samples):.2f} | "
                  f"{min(samples):.2f} | {max(samples):.2f} |")
    print()


def describe_busiest(busiest):
    """'card/day 1,234' for each counter and period (the peaks ignore the limits)."""
    if not busiest:
        return "–"
    if not isinstance(busiest, dict):
        return str(busiest)[:60]
    parts = []
    for key, peak in busiest.items():
        name = "/".join(key) if isinstance(key, tuple) else str(key)
        count = getattr(peak, "count", peak)
        parts.append(f"{name} {count:,}" if isinstance(count, int) else f"{name} –")
    return ", ".join(parts)


def time_pages(app, args, user_ids):
    client = app.test_client()
    sign_in(client, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    local_last = LAST_DAY
    week = f"from={(local_last - timedelta(days=6)).isoformat()}&to={local_last.isoformat()}"
    month = f"from={(local_last - timedelta(days=args.days - 1)).isoformat()}&to={local_last.isoformat()}"
    busy_user = user_ids[1]
    label, (card_limit, card_period, list_limit, list_period, action, zone) = limit_sets(args.cards,
                                                                                         args.elements)[0]
    preview_form = {"card_limit": str(card_limit), "card_period": card_period, "list_limit": str(list_limit),
                    "list_period": list_period, "action": action, "timezone": zone, "preview_days": str(args.days),
                    "preview": "Preview"}
    pages = [
        ("GET /settings/activity/usage", "/settings/activity/usage", None, "< 1 s"),
        ("GET /settings/activity/usage.csv (default: last 7 days)", "/settings/activity/usage.csv", None, "< 1 s"),
        ("GET /settings/activity/usage.csv (7 days, from/to)", f"/settings/activity/usage.csv?{week}", None,
         "< 1 s"),
        (f"GET /settings/activity/usage.csv ({args.days} days)", f"/settings/activity/usage.csv?{month}", None, "–"),
        (f"GET /settings/activity/users/{busy_user}", f"/settings/activity/users/{busy_user}", None, "< 1 s"),
        (f"POST /settings/activity preview ({args.days} days, {label})",
         "/settings/activity", preview_form, "< 2 s"),
    ]
    print(f"Pages as the administrator through the test client, median of {args.repeat} after one warm-up:\n")
    print("| request | status | response bytes | median ms | target |")
    print("| --- | ---: | ---: | ---: | --- |")
    for label, url, form, target in pages:
        path = url.split("?")[0]
        if form is None and not route_exists(app, path.rsplit("/", 1)[0] + "/" if "/users/" in path else path):
            print(f"| {label} | {NOT_YET} | | | {target} |")
            continue
        if form is not None and importlib.util.find_spec("monitor.activity.preview") is None:
            print(f"| {label} | {NOT_YET} | | | {target} |")
            continue
        responses = []

        def fetch(url=url, form=form, responses=responses):
            response = client.post(url, data=form) if form is not None else client.get(url)
            body = response.get_data()
            responses.append((response.status_code, len(body), body))

        elapsed = median_ms(fetch, args.repeat)
        status, size, body = responses[-1]
        if form is not None and b'id="preview"' not in body:
            print(f"| {label} | {status}, no table#preview: {NOT_YET} | {size:,} | {elapsed:.0f} | {target} |")
            continue
        print(f"| {label} | {status} | {size:,} | {elapsed:.0f} | {target} |")
    print()


def history_sizes(database):
    with sqlite3.connect(database) as connection:
        rows = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                for table in HISTORY_TABLES}
        sizes = {}
        try:
            for table, size in connection.execute(
                    "SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat s JOIN sqlite_master m ON m.name = s.name "
                    "GROUP BY m.tbl_name"):
                sizes[table] = size
        except sqlite3.OperationalError:
            pass
    return rows, sizes


def reading_speed(args):
    print(f"## 3. Reading {args.days} days of history: {args.users} users × {args.cards:,} card opens and "
          f"{args.elements:,} list elements a day\n")
    print(f"Working day 09:00-18:00 {ZONE} (start ±30 min a user), list pages of {PAGE}, "
          f"{NEW_CARD_SHARE:.0%} of card opens new (not seen for a day), the rest re-opens 2 min to 6 h later; "
          f"channels ~95% web for cards, 85/10/5% web/api/mobile for lists; seed {args.seed}; "
          f"clock at {NOW:%Y-%m-%d %H:%M} UTC.\n")
    source, line = history_database(args)
    print(f"{line}\n")
    rows, sizes = history_sizes(source)
    views = args.users * args.days * (args.cards + args.elements)
    print(f"Stored at scale ({views:,} views; dbstat pages incl. indexes, as on disk):\n")
    print("| table | rows | bytes incl. indexes | bytes a user-day | bytes per 1,000 views |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for table in [*HISTORY_TABLES, None]:
        table_rows = rows[table] if table else sum(rows.values())
        size = sizes.get(table, 0) if table else sum(sizes.get(t, 0) for t in HISTORY_TABLES)
        print(f"| {table or '**total**'} | {table_rows:,} | {size:,} | {size / (args.users * args.days):,.0f} | "
              f"{size / views * 1000:,.0f} |")
    print()
    with tempfile.TemporaryDirectory(dir=args.cache_dir) as folder:
        database = Path(folder) / "history.sqlite3"
        shutil.copyfile(source, database)
        with sqlite3.connect(database) as connection:
            user_ids = [row[0] for row in connection.execute("SELECT id FROM users ORDER BY id LIMIT ?",
                                                             (args.users,))]
        app = make_app(database, CLOCK=Clock(NOW.replace(tzinfo=UTC)))
        time_preview(app, args)
        time_pages(app, args, user_ids)
        with app.app_context():
            db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--cards", type=int, default=2000, help="card opens a user a day")
    parser.add_argument("--elements", type=int, default=20_000, help="list elements a user a day (pages of 50)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each preview and page timed")
    parser.add_argument("--deals", type=int, default=20_000, help="demo deals for parts 1 and 2")
    parser.add_argument("--activity-repeat", type=int, default=201, help="requests a mode in part 2")
    parser.add_argument("--charge-n", type=int, default=2000, help="charge() calls a mode in part 2")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--cache-dir", default=tempfile.gettempdir())
    parser.add_argument("--parts", default="1,2,3", help="which parts to run, e.g. 3")
    args = parser.parse_args()
    if args.users < 5:
        parser.error("--users: at least the 5 demo users")
    parts = {part.strip() for part in args.parts.split(",")}
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}\n")
    if parts & {"1", "2"}:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            base, _loaded = bench_crm.build(folder, max(args.deals, 2 * args.activity_repeat + 1000))
            print(f"Demo database with {args.deals:,} deals built in {time.perf_counter() - started:.0f} s.\n")
            if "1" in parts:
                print_bytes(*bytes_per_views(base, random.Random(args.seed)))
            if "2" in parts:
                recording_cost(base, args.activity_repeat, args.charge_n)
    if "3" in parts:
        reading_speed(args)


if __name__ == "__main__":
    main()
