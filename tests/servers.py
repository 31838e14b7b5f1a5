"""Real gunicorn worker processes on a temporary SQLite file (or a PostgreSQL database), for the parallel tests."""
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


@contextmanager
def gunicorn(db_path, workers=4, threads=1, env=None, timeout=30, database_url=None):
    """Serve app:app with `workers` processes on db_path (or database_url); yields the base URL.

    The log goes next to db_path either way.
    """
    port = free_port()
    environment = {
        **os.environ,
        "FLASK_DATABASE_URL": database_url or f"sqlite:///{db_path}",
        "FLASK_SECRET_KEY": "gunicorn-test-secret",
        "FLASK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "FLASK_OUTBOX_WORKER": "false",
        **(env or {}),
    }
    log = open(Path(db_path).with_suffix(".gunicorn.log"), "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [GUNICORN, "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--graceful-timeout", "2", "app:app"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, timeout)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(base, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start in time")
