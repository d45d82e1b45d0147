"""Web console benchmark: the customer list at 10,000 customers, measured in Debian's Chromium with the
Performance API (the console's own marks, `window.__crmPerf`, see web/src/perf.ts).

- list after navigation: a full page load of /apps/<n>/customers until the first page of rows is painted
  (performance.now() at the frame after the rows are in the DOM; 0 = navigation start), and an in-app
  navigation (clicking "Customers" on the apps screen) until the rows are painted;
- search keystroke to rows: one character typed into the search box until the rows for the new text are
  painted (includes the console's 60 ms debounce, the request and the render); the rows request's own
  duration (Resource Timing) is printed beside it.

Targets (issue 12): list <= 1 s after navigation, keystroke -> rows <= 200 ms. The stack is SecantusDB + Redis +
one production-mode gateway serving the built console (make web), seeded with `--customers` customer documents.

    .venv/bin/python bench/bench_console.py [--customers 10000] [--runs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_gateway import Stack  # noqa: E402

CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1440,1000")
WORDS = ["a", "al", "alp", "alph", "alpha", "g", "go", "gol", "golf", "k", "ki", "kil", "kilo", "m", "ma", "mar"]


def driver() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        raise SystemExit("chromium and chromedriver are needed (make install-chromium)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={tempfile.mkdtemp(prefix='bench-console-')}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def wait(d: Any, script: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = d.execute_script(script)
        if value:
            return value
        time.sleep(0.01)
    raise TimeoutError(script)


def summary(name: str, values: list[float], target: float) -> None:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    verdict = "within" if p95 <= target else "OVER"
    print(f"  {name:<38} n={len(values):>3}  median {statistics.median(values):7.1f} ms  p95 {p95:7.1f} ms  "
          f"max {values[-1]:7.1f} ms  ({verdict} the {target:.0f} ms target at p95)", flush=True)


def measure(url: str, key: str, runs: int) -> None:
    d = driver()
    try:
        d.get(url + "/signin")
        d.execute_script("sessionStorage.setItem('crm.apiKey', arguments[0])", key)
        customers = url + "/apps/101/customers"
        for _ in range(3):  # warm-up: the gateway's list index, caches, the browser's compiled bundle
            d.get(customers)
            wait(d, "return window.__crmPerf && window.__crmPerf.navigations.length")
        loads, clicks, keys, requests = [], [], [], []
        for _ in range(runs):
            d.get(customers)
            loads.append(wait(d, "const n = window.__crmPerf.navigations; return n.length && n[0].ms"))
            rows = d.execute_script("return document.querySelectorAll('table.customers-table tbody tr').length")
            assert rows == 25, rows
        for _ in range(runs):
            d.get(url + "/apps")
            wait(d, "return document.querySelector('article.app-card a.button.primary')")
            d.execute_script("window.__crmPerf.navigations = []")
            d.execute_script("document.querySelector('article.app-card a.button.primary').click()")
            clicks.append(wait(d, "const n = window.__crmPerf.navigations; return n.length && n[0].ms"))
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        summary("list rendered after a page load", loads, 1000)
        summary("list rendered after an in-app click", clicks, 1000)

        for _run in range(max(1, runs // 4)):
            d.get(customers)
            wait(d, "return window.__crmPerf.navigations.length")
            d.execute_script("performance.clearResourceTimings()")
            box = d.find_element(By.CSS_SELECTOR, "input[type=search]")
            word = ""
            for text in WORDS:
                if not text.startswith(word):
                    box.send_keys(Keys.CONTROL, "a")
                    box.send_keys(Keys.BACKSPACE)  # a real keystroke: the console sees the input event
                    word = ""
                    wait(d, "return !new URLSearchParams(location.search).get('q') && "
                            "document.querySelector('table.customers-table').getAttribute('aria-busy') === 'false'")
                before = d.execute_script("return window.__crmPerf.searches.length")
                box.send_keys(text[len(word):])
                word = text
                keys.append(wait(d, f"const s = window.__crmPerf.searches; return s.length > {before} && "
                                    f"s[s.length - 1].ms"))
                requests.append(d.execute_script(
                    "const r = performance.getEntriesByType('resource').filter(e => e.name.endsWith('/graphql'));"
                    "performance.clearResourceTimings(); return r.length ? r[r.length - 1].duration : null;"))
        summary("search keystroke -> rows", keys, 200)
        timed = [float(r) for r in requests if r]
        if timed:
            summary("  of which the rows request (Resource Timing)", timed, 200)
        print(f"  load average while measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} cores)", flush=True)
    finally:
        d.quit()


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    if not (ROOT / "web" / "dist" / "index.html").is_file():
        raise SystemExit("the console is not built: make web")
    print(f"console at {args.customers} customers (SecantusDB + one production gateway, Chromium headless)",
          flush=True)
    async with Stack(args.customers) as stack:
        await asyncio.to_thread(measure, stack.url, stack.key, args.runs)


if __name__ == "__main__":
    asyncio.run(main())
