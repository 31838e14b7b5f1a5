"""Each worker process's background thread: send the due e-mail, now and then prune the monitoring tables.

Started by the app factory's `register_workers` step, on a process's first request (so
again in each process a server forks), unless OUTBOX_WORKER is off (tests, benchmarks).
"""
import logging
import os
import threading
import time

from monitor.activity import outbox
from monitor.activity.housekeeping import prune

log = logging.getLogger(__name__)
PRUNE_EVERY_RUNS = 20

_worker_pid = None
_worker_lock = threading.Lock()


def init_app(app):
    """Start the worker with this process's first request."""

    @app.before_request
    def _start_worker():
        ensure_worker(app)


def ensure_worker(app):
    """Start this process's background sender/pruner once (again after a fork)."""
    global _worker_pid
    if not app.config.get("OUTBOX_WORKER", True) or _worker_pid == os.getpid():
        return
    with _worker_lock:
        if _worker_pid == os.getpid():
            return
        _worker_pid = os.getpid()
        threading.Thread(target=_work, args=(app,), daemon=True, name="outbox-worker").start()


def _work(app):
    interval = app.config.get("OUTBOX_INTERVAL_SECONDS", outbox.RETRY_SECONDS)
    runs = 0
    while True:
        time.sleep(interval)
        outbox.send_due_in(app)
        runs += 1
        if runs % PRUNE_EVERY_RUNS == 0:
            with app.app_context():
                try:
                    prune()
                except Exception:
                    log.exception("prune failed")
