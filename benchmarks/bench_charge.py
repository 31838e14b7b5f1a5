"""Cost of one activity.charge call in-process (card view and list page), in microseconds.

Every charge counts and records the history, with limits or without them (SPEC §8).

Usage: .venv/bin/python benchmarks/bench_charge.py [--n 3000]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor import activity, create_app, schema  # noqa: E402
from monitor.activity import settings as activity_settings  # noqa: E402
from monitor.services import pipelines, users  # noqa: E402


def measure(function, n):
    samples = []
    for i in range(n):
        start = time.perf_counter()
        function(i)
        samples.append((time.perf_counter() - start) * 1e6)
    return statistics.median(samples), sorted(samples)[int(n * 0.95)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "OUTBOX_WORKER": False})
        with app.app_context():
            schema.upgrade()
            pipelines.ensure_account()
            user = users.create_user("Bench", "bench@example.com", "bench-password")
            activity_settings.save_settings("1000000", "day", "1000000", "day", "deactivate", "UTC")
            rows = [
                ("charge: new card view", lambda i: activity.charge(user, "web", cards=[("leads", i)])),
                ("charge: card seen before", lambda i: activity.charge(user, "web", cards=[("leads", 1)])),
                ("charge: list page (50 elements)", lambda i: activity.charge(user, "web", elements=50)),
                ("charge: API list page", lambda i: activity.charge(user, "api", elements=50)),
            ]
            activity_settings.save_settings("", "day", "", "day", "deactivate", "UTC")
            # No limits: still counted and recorded (SPEC §8); other cards, so each is a first view too.
            off = ("charge: no limits, new card view", lambda i: activity.charge(user, "web",
                                                                                 cards=[("leads", 10**6 + i)]))
            results = [(off[0], *measure(off[1], args.n))]
            activity_settings.save_settings("1000000", "day", "1000000", "day", "deactivate", "UTC")
            results += [(name, *measure(function, args.n)) for name, function in rows]
    print(f"{'operation':36} {'median µs':>10} {'p95 µs':>10}")
    for name, median, p95 in results:
        print(f"{name:36} {median:10.0f} {p95:10.0f}")


if __name__ == "__main__":
    main()
