"""Real gunicorn worker processes on a temporary SQLite file (or a PostgreSQL database), for the parallel tests."""
import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
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


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in_opener(base, email, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    with opener.open(f"{base}/login", timeout=10) as page:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()).group(1)
    data = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
    try:
        opener.open(f"{base}/login", data=data, timeout=10)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.code
    return jar


def status_of(jar, url):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    try:
        with opener.open(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def bearer_status(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local test server)
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After")


def burst(url, token, count):
    """`count` parallel requests released together; their statuses, and whether they all fell in one second."""
    results = []
    gate = threading.Barrier(count + 1)

    def worker():
        gate.wait()
        results.append(bearer_status(url, token))

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(1.05 - time.time() % 1)  # start just after a second begins
    started = int(time.time())
    gate.wait()
    for thread in threads:
        thread.join(timeout=20)
    return results, int(time.time()) == started
