"""`python -m bench.web_pages`: the web app's dashboard and archive pages under 20 concurrent
users, against a running suite with the demo school (`make run`). Each user signs in once
(as the committee), then asks for pages back to back; the server's time of each page is
read from its `Server-Timing` header (what the web app spent, the services' calls included),
the time seen by the client beside it. Prints p50/p99 per page."""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import statistics
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

PAGES = ("/dashboard", "/archive/m02", "/archive/m15", "/queue?branch=chinese")
TIMING = re.compile(r"app;dur=([\d.]+)")


def sign_in(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/signin").read().decode()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match is not None, "the sign-in page has no CSRF token"
    form = {"csrf": match[1], "username": username, "password": password}
    opener.open(f"{base}/signin", urllib.parse.urlencode(form).encode()).read()
    return opener


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_pages", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--data-dir", type=Path, default=Path("var"))
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    accounts = json.loads((args.data_dir / "web" / "demo-accounts.json").read_text())
    password = next(a["password"] for a in accounts if a["username"] == "committee")
    server: dict[str, list[float]] = {page: [] for page in PAGES}
    client: dict[str, list[float]] = {page: [] for page in PAGES}
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds

    def user(index: int) -> None:
        opener = sign_in(args.url, "committee", password)
        turn = index
        while time.monotonic() < deadline:
            page = PAGES[turn % len(PAGES)]
            turn += 1
            started = time.perf_counter()
            with opener.open(f"{args.url}{page}") as reply:
                reply.read()
                timing = TIMING.search(reply.headers.get("Server-Timing", ""))
            took = (time.perf_counter() - started) * 1000
            with lock:
                client[page].append(took)
                if timing:
                    server[page].append(float(timing[1]))

    threads = [threading.Thread(target=user, args=(i,)) for i in range(args.users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{args.users} users, {args.seconds:g} s, signed in as the committee")
    print("| page | requests | server p50 ms | server p99 ms | client p50 ms | client p99 ms |")
    print("|---|--:|--:|--:|--:|--:|")
    for page in PAGES:
        s, c = server[page], client[page]
        print(
            f"| `{page}` | {len(c)} | {statistics.median(s):.1f} | {percentile(s, 0.99):.1f} "
            f"| {statistics.median(c):.1f} | {percentile(c, 0.99):.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
