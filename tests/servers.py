"""Real processes for the parallel tests: the flask CLI, gunicorn workers on the test's database, and HTTP to them."""
import http.cookiejar
import os
import queue
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import namedtuple
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ROOT, VENV_BIN, csrf_token_of, free_port

Reply = namedtuple("Reply", "status body headers")


def flask_cli(env, *args, check=True):
    """`flask --app app ARGS` in a process of its own with `env`; returns the finished process."""
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=check)


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
        [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "2", "app:app"],
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


def fetch(jar, url, data=None, headers=None, method=None, timeout=60):
    """One request with `jar`'s cookies (or none), redirects not followed: a Reply(status, body, headers).

    `data` is a dict (sent as a form) or bytes.
    """
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Reply(response.status, response.read().decode(), response.headers)
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode(), error.headers)


def redirect_path(reply):
    """The path a redirect leads to (None for an answer that is no redirect)."""
    location = reply.headers.get("Location")
    return urllib.parse.urlsplit(location).path if location else None


def form_token(jar, url):
    """The CSRF token of the form at `url`, read with `jar`'s cookies."""
    return csrf_token_of(fetch(jar, url, timeout=30).body)


def signed_in_jar(base, email, password):
    """The cookies of a browser that signed in through the form at `base`."""
    jar = http.cookiejar.CookieJar()
    reply = fetch(jar, f"{base}/login", {"email": email, "password": password,
                                         "csrf_token": form_token(jar, f"{base}/login")})
    assert reply.status == 302, reply.status
    return jar


def in_parallel(jobs, do, threads):
    """Run `do(job)` for every job over `threads` threads; returns the results (in no order)."""
    pending = queue.Queue()
    for job in jobs:
        pending.put(job)
    results = []

    def worker():
        while True:
            try:
                job = pending.get_nowait()
            except queue.Empty:
                return
            results.append(do(job))

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    return results


def burst(url, token, count):
    """`count` parallel requests released together: their (status, Retry-After), and whether they all fell
    in one second."""
    results = []
    gate = threading.Barrier(count + 1)
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}

    def worker():
        gate.wait()
        reply = fetch(None, url, headers=headers, timeout=10)
        results.append((reply.status, reply.headers.get("Retry-After")))

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(1.05 - time.time() % 1)  # start just after a second begins
    started = int(time.time())
    gate.wait()
    for thread in threads:
        thread.join(timeout=20)
    return results, int(time.time()) == started
