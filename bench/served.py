"""The main pages through gunicorn, and the caseload's throughput against a constant page, in one run.

`app` here is what gunicorn serves for the bench (`gunicorn bench.served:app`, BENCH_DATABASE_URL set): the
application as bench_app builds it, plus one endpoint, /bench/constant, that renders a constant page through
Jinja (its template compiled once, as every page's is) and does nothing else (public: no sign-in, no database).
Its clients send no session cookie: with one, the application resumes the sign-in session to choose the page's
language, a database read that the bare page does not need. That cookie halved the page's throughput, and
compiling its template on every request (render_template_string) took another 40 %: the ratio looked better
than it is. Both endpoints are served by the same gunicorn configuration in the same run, so their ratio holds
on a noisy machine (issue 9's target: caseload / constant ≥ 0.25).

The same constant page is also requested with the caseload's cookie: what every signed-in page pays before doing
anything of its own (the sign-in session and account read, the language chosen from the account). The caseload
against that page tells its own cost apart from that floor; the target stays the ratio to the bare page.

The clients are threads of this process speaking HTTP/1.1 over loopback, one connection per request (gunicorn's
sync workers close each one), signed in once through the login form.
"""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess  # nosec B404 # starts gunicorn from our own virtualenv, no shell
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from peer_support import PROJECT_ROOT

WORKERS = 4
CLIENTS = 8
# Seconds of load per page (BENCH_THROUGHPUT_SECONDS shortens it for the suite's run of the bench at small scale).
THROUGHPUT_SECONDS = float(os.environ.get("BENCH_THROUGHPUT_SECONDS") or 10)
ROUNDS = 5  # the pages take turns, each for THROUGHPUT_SECONDS / ROUNDS (2 s), five times
REQUESTS = 30
CONSTANT_PAGE = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ title }}</title></head>"
                 "<body><main><h1>{{ title }}</h1><p>A constant page for the benchmark.</p></main></body></html>")


def _bench_application():
    from flask import render_template

    from bench import bench_app
    from peer_support import permissions

    application = bench_app(os.environ["BENCH_DATABASE_URL"])
    constant_page = application.jinja_env.from_string(CONSTANT_PAGE)
    application.add_url_rule("/bench/constant", "bench_constant",
                             lambda: render_template(constant_page, title="Constant"))
    permissions.PUBLIC_ENDPOINTS = permissions.PUBLIC_ENDPOINTS | {"bench_constant"}
    return application


app = _bench_application() if os.environ.get("BENCH_DATABASE_URL") else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, *, cookie: str | None = None, body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


def sign_in(port: int, email: str, password: str) -> str:
    response = request(port, "POST", "/login", body=urlencode({"email": email, "password": password}))
    if response.status != 302:
        raise RuntimeError(f"could not sign in as {email} through gunicorn (status {response.status})")
    cookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())


class Gunicorn:
    def __init__(self, url: str):
        self.port = free_port()
        self.log = Path(tempfile.gettempdir()) / f"bench-gunicorn-{self.port}.log"
        env = {**os.environ, "BENCH_DATABASE_URL": url, "PEER_SUPPORT_ENV": "production"}
        env.pop("DATABASE_URL", None)
        self.process = subprocess.Popen(  # nosec B603 # fixed argument list, no shell
            [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(WORKERS), "--bind",
             f"127.0.0.1:{self.port}", "bench.served:app"], cwd=PROJECT_ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=self.log.open("w"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/bench/constant").status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"gunicorn did not answer in 60 s; see {self.log}")
        for _ in range(WORKERS * 3):  # every worker has loaded the app before anything is timed
            request(self.port, "GET", "/bench/constant")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def throughput(port: int, paths: tuple[str, ...], cookies: tuple[str | None, ...]) -> tuple[list[float], int]:
    """Requests per second answered 200 by CLIENTS threads on each path (each with its cookie), during
    THROUGHPUT_SECONDS each; and the failures. The paths take turns, ROUNDS times, so that a machine slower for a
    while slows them all alike."""
    answered, elapsed, failures = [0] * len(paths), [0.0] * len(paths), 0
    for _ in range(ROUNDS):
        for index, (path, cookie) in enumerate(zip(paths, cookies, strict=True)):
            count, seconds, failed = _load(port, path, cookie, THROUGHPUT_SECONDS / ROUNDS)
            answered[index] += count
            elapsed[index] += seconds
            failures += failed
    return [count / seconds for count, seconds in zip(answered, elapsed, strict=True)], failures


def _load(port: int, path: str, cookie: str | None, duration: float) -> tuple[int, float, int]:
    """(requests answered 200, seconds, other answers) of CLIENTS threads requesting `path` for `duration`."""
    counts, failures = [0] * CLIENTS, [0] * CLIENTS
    stop_at = time.monotonic() + duration

    def client(number: int) -> None:
        while time.monotonic() < stop_at:
            if request(port, "GET", path, cookie=cookie).status == 200:
                counts[number] += 1
            else:
                failures[number] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), time.monotonic() - started, sum(failures)


def latencies(port: int, path: str, cookie: str) -> list[float]:
    times = []
    for _ in range(3):
        request(port, "GET", path, cookie=cookie)
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = request(port, "GET", path, cookie=cookie)
        times.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status} through gunicorn")
    return times


def measure_served(url: str, pages: list[dict], emails: dict[str, str], password: str, percentile) -> dict:
    """p50/p95/p99 of each page through gunicorn (one client), then the throughput of the caseload and of the
    constant page (CLIENTS clients each)."""
    server = Gunicorn(url)
    try:
        cookies = {role: sign_in(server.port, email, password) for role, email in emails.items()}
        served = []
        for page in pages:
            times = latencies(server.port, page["url"], cookies[page["role"]])
            served.append({"page": page["page"], "p50": percentile(times, 0.5) * 1000,
                           "p95": percentile(times, 0.95) * 1000, "p99": percentile(times, 0.99) * 1000})
            print(f"gunicorn {page['page']:<20} p50 {served[-1]['p50']:7.1f} ms  p95 {served[-1]['p95']:7.1f} ms",
                  flush=True)
        caseload = next(page for page in pages if page["page"] == "Caseload")
        cookie = cookies[caseload["role"]]
        (constant_rate, signed_in_rate, caseload_rate), failures = throughput(
            server.port, ("/bench/constant", "/bench/constant", caseload["url"]), (None, cookie, cookie))
        print(f"throughput: constant page {constant_rate:.1f}/s, signed in {signed_in_rate:.1f}/s, caseload "
              f"{caseload_rate:.1f}/s, ratio {caseload_rate / constant_rate:.2f} "
              f"(to the signed-in page {caseload_rate / signed_in_rate:.2f})", flush=True)
    finally:
        server.stop()
    return {"pages": served, "constant": constant_rate, "signed_in": signed_in_rate, "caseload": caseload_rate,
            "ratio": caseload_rate / constant_rate, "signed_in_ratio": caseload_rate / signed_in_rate,
            "failures": failures,
            "workers": WORKERS, "clients": CLIENTS, "seconds": THROUGHPUT_SECONDS, "rounds": ROUNDS}
