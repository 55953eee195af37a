#!/usr/bin/env python3
"""Paced HTTP load for the tests that count failed requests while a deploy
or a rollout runs (tests/vm/deploy_test.sh, tests/vm/lb_test.sh).

    load.py URL [--rate 50] [--clients 2] [--seconds 600] [--timeout 2]

CLIENTS clients each send a GET request to URL (a connection each), then wait
for their next turn, so that together they send RATE requests a second while
the service keeps up; a slow answer delays that client's next request instead
of piling more on (a closed loop: at most CLIENTS requests in flight). Runs
until SIGINT or SIGTERM or --seconds, then prints "REQUESTS FAILED" on
stdout, and on stderr the latency (p50, p99, max) and the first failures. A
request fails when it gets no connection, no answer within --timeout seconds,
or a status other than 2xx/3xx.

Why not wrk: its closed loop sends the next request as soon as an answer
comes, so the emulated VMs behind the proxy (each request a process forked
by the guest's httpd) kept both cores of the machine busy for the whole test,
and every test beside it ran slower. Why not an open loop at a fixed rate:
while a new VM boots in software emulation the service is slower than any
fixed rate for a while, and requests queue past their timeout (overload, not
a gap in service). At 50 a second a gap of more than 20 ms still meets a
request.
"""
import argparse
import http.client
import signal
import sys
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--rate", type=float, default=50.0, help="requests a second")
    ap.add_argument("--clients", type=int, default=2, help="requests in flight at most")
    ap.add_argument("--seconds", type=float, default=600.0, help="stop after this long")
    ap.add_argument("--timeout", type=float, default=2.0, help="a request slower than this fails")
    a = ap.parse_args()
    url = urllib.parse.urlsplit(a.url)
    if url.scheme != "http" or not url.hostname or a.rate <= 0 or a.clients < 1:
        sys.exit(f"load.py: {a.url!r} is not an http:// URL, or the rate or clients not positive")
    path = (url.path or "/") + (("?" + url.query) if url.query else "")

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    lock = threading.Lock()
    latencies = []
    failures = []

    def one():
        t = time.monotonic()
        why = None
        try:
            c = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=a.timeout)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            c.close()
            if not 200 <= r.status < 400:
                why = f"status {r.status}"
        except Exception as e:  # Any failure of the request counts.
            why = f"{type(e).__name__}: {e}"
        took = time.monotonic() - t
        with lock:
            latencies.append(took)
            if why:
                failures.append(f"{why} (after {took * 1000:.0f} ms)")

    interval = a.clients / a.rate  # Between two requests of one client.
    start = time.monotonic()
    counts = [0] * a.clients

    def client(k):
        due = start + k * interval / a.clients  # Staggered.
        while not stop.is_set() and time.monotonic() - start < a.seconds:
            delay = due - time.monotonic()
            if delay > 0 and stop.wait(delay):
                return
            one()
            counts[k] += 1
            due = max(due + interval, time.monotonic())

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(a.clients)]
    for th in threads:
        th.start()
    while any(th.is_alive() for th in threads):
        time.sleep(0.05)  # Signals reach this thread; join() would hold them off.
    sent = sum(counts)

    with lock:
        done = sorted(latencies)
        failed = len(failures)
        first = failures[:5]

    def pct(p):
        return done[min(len(done) - 1, int(p * len(done)))] * 1000 if done else 0.0

    print(f"{sent} {failed}")
    print(f"load: {sent} requests ({a.clients} clients, at most {a.rate:g}/s), {failed} failed; "
          f"latency p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms, "
          f"max {(done[-1] * 1000 if done else 0):.0f} ms", file=sys.stderr)
    for f in first:
        print(f"load: failed: {f}", file=sys.stderr)


if __name__ == "__main__":
    main()
