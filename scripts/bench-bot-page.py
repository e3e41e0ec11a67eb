#!/usr/bin/env python3
"""First paint of a bot's page with a year of one-minute candles behind it, in headless Chromium.

    swift build -c release
    TICKWIRE_BIN=.build/release/tickwire .venv-browser/bin/python scripts/bench-bot-page.py [--runs 9]

Gives the demo user alice a bot on an instrument with a year of recorded candles at every interval (525,600 one-minute
candles and their 5m, 15m, 1h and 1d rollups, written straight into the server's SQLite file), then loads its page
repeatedly and reads the page's `bot-candles-painted` mark: the milliseconds from navigation start to the first frame
with the candles drawn (the page asks for the newest 1,000). Also times `GET /api/v1/candles` for that instrument.
"""

import argparse
import os
import sqlite3
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Browser"))
from harness import API, Server, browser, login, wait  # noqa: E402

MARK = "const m = performance.getEntriesByName('bot-candles-painted')[0]; return m ? m.startTime : null"
SPANS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "1d": 86_400_000}


def year_of_candles(ticker, exchange, end_ms):
    """Rows for the candles table: a random walk, one price a minute for a year, rolled up to every span."""
    start = end_ms - 525_600 * 60_000
    start -= start % 86_400_000
    price = 100.0
    rows = {span: {} for span in SPANS}
    seed = 7
    for minute in range(525_600):
        seed = (seed * 1103515245 + 12345) % 2**31
        price *= 1 + ((seed / 2**31) - 0.5) * 0.002
        t = start + minute * 60_000
        for span, width in SPANS.items():
            bucket = t - t % width
            candle = rows[span].get(bucket)
            if candle is None:
                rows[span][bucket] = [price, price, price, price, 1, t]
            else:
                candle[1] = max(candle[1], price)
                candle[2] = min(candle[2], price)
                candle[3] = price
                candle[4] += 1
                candle[5] = t
    for span, buckets in rows.items():
        for bucket, (o, h, l, c, v, close_time) in buckets.items():
            yield (ticker, exchange, span, bucket, o, h, l, c, v, close_time)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    options = parser.parse_args()

    server = Server().start()
    driver = browser()
    try:
        alice = API(server, "alice")
        bot = alice.call("POST", "/api/v1/bots", {
            "name": "A year of candles", "ticker": "YEAR/USD", "exchange": "bench", "strategy": "manual"})
        started = time.perf_counter()
        with sqlite3.connect(server.database, timeout=30) as db:
            db.executemany("INSERT INTO candles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           year_of_candles("YEAR/USD", "bench", int(time.time() * 1000)))
            count = db.execute("SELECT COUNT(*) FROM candles WHERE ticker = 'YEAR/USD'").fetchone()[0]
        print(f"{count} candles of YEAR/USD written in {time.perf_counter() - started:.1f} s")

        api_times = []
        for _ in range(50):
            request = urllib.request.Request(
                server.url + "/api/v1/candles?ticker=YEAR/USD&exchange=bench&interval=1m&limit=1000",
                headers={"Authorization": f"Bearer {alice.token}"})
            t0 = time.perf_counter()
            with urllib.request.urlopen(request) as response:
                body = response.read()
            api_times.append((time.perf_counter() - t0) * 1000)
        api_times.sort()
        print(f"GET /api/v1/candles (newest 1,000 of {count}, {len(body) // 1024} KiB): "
              f"p50 {statistics.median(api_times):.2f} ms, p99 {api_times[int(len(api_times) * 0.99) - 1]:.2f} ms")

        login(driver, server, "alice")
        painted = []
        for run in range(options.runs):
            driver.get(server.url + f"/?run={run}#/bots/{bot['id']}")
            painted.append(wait(driver, lambda d: d.execute_script(MARK), timeout=20))
            drawn = driver.execute_script("return document.querySelectorAll('svg.candles g.candle').length")
            assert drawn >= 100, f"only {drawn} candles drawn"
        painted.sort()
        print(f"bot page first paint with its candles, {options.runs} runs (ms from navigation start): "
              f"median {statistics.median(painted):.0f}  min {painted[0]:.0f}  max {painted[-1]:.0f}  "
              f"all {[round(v) for v in painted]}")
    finally:
        driver.quit()
        server.stop()


if __name__ == "__main__":
    main()
