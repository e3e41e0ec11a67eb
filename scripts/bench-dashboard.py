#!/usr/bin/env python3
"""First paint of the dashboard's bots page with N bots, in headless Chromium.

    swift build -c release
    TICKWIRE_BIN=.build/release/tickwire .venv-browser/bin/python scripts/bench-dashboard.py [--bots 100] [--runs 7]

Signs in as the demo user alice, gives her N bots (on an external exchange, so the engine leaves them alone while
the demo's own bots keep trading), then loads `/#/bots` repeatedly and reads the page's `bots-painted` mark: the
milliseconds from navigation start to the first frame after the table is drawn. "cold" clears the cached bundle
first (so the page fetches `/api/v1/bots/page`); "warm" renders from the localStorage cache and then resumes the
stream after the cached position.
"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Browser"))
from harness import API, Server, browser, login, wait  # noqa: E402

MARK = "const m = performance.getEntriesByName('bots-painted')[0]; return m ? m.startTime : null"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bots", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()

    server = Server().start()
    driver = browser()
    try:
        alice = API(server, "alice")
        existing = len(alice.call("GET", "/api/v1/bots?limit=500")["data"])
        for i in range(max(0, options.bots - existing)):
            alice.call("POST", "/api/v1/bots", {
                "name": f"bench bot {i}", "ticker": f"B{i % 20}/USDT", "exchange": "bench", "strategy": "manual"})
        login(driver, server, "alice")
        rows = lambda d: d.execute_script("return document.querySelectorAll('#bots-table tbody tr').length")
        results = {"cold": [], "warm": []}
        for run in range(options.runs):
            for mode in ("cold", "warm"):
                if mode == "cold":
                    driver.execute_script("localStorage.clear()")
                else:
                    # The page writes its bundle back within 2 s of a change; make sure one is there.
                    wait(driver, lambda d: d.execute_script(
                        "return Object.keys(localStorage).some(k => k.endsWith(':bots_page'))"), timeout=10)
                driver.get(server.url + f"/?run={run}&mode={mode}#/bots")
                painted = wait(driver, lambda d: d.execute_script(MARK), timeout=10)
                assert rows(driver) >= options.bots, f"only {rows(driver)} rows"
                results[mode].append(painted)
                if painted > 1000 and os.environ.get("BENCH_DEBUG"):
                    print(driver.execute_script(
                        "const n = performance.getEntriesByType('navigation')[0].toJSON(); return Object.fromEntries(Object.entries(n).filter(([k, v]) => typeof v === 'number').map(([k, v]) => [k, Math.round(v)]))"))
        print(f"bots page first paint, {options.bots} bots, {options.runs} runs each (ms from navigation start)")
        for mode, values in results.items():
            values.sort()
            print(f"  {mode}: median {statistics.median(values):.0f}  min {values[0]:.0f}  max {values[-1]:.0f}  all {[round(v) for v in values]}")
    finally:
        driver.quit()
        server.stop()


if __name__ == "__main__":
    main()
