#!/usr/bin/env python3
"""Bytes a day of history takes in SQLite: a bot's equity points and an instrument's candles (table and indexes,
from SQLite's `dbstat`), on a fresh store made by `tickwire serve`.

    swift build && scripts/measure-storage.py [--binary .build/debug/tickwire]
"""
import argparse
import os
import sqlite3
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPANS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "1d": 86_400_000}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "tickwire"))
    args = parser.parse_args()
    path = os.path.join(tempfile.mkdtemp(prefix="tickwire-size-"), "size.db")
    server = subprocess.Popen([args.binary, "serve", "--database", path, "--no-engine", "--port", "18777",
                               "--log-level", "error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)  # the schema is migrated at start
    server.terminate()
    server.wait(10)
    db = sqlite3.connect(path)
    db.execute("INSERT INTO bots (id, name, ticker, exchange, strategy, config, status, created_at, updated_at) "
               "VALUES (1, 'b', 'X/USD', 'paper', 'manual', '{}', 'ACTIVE', 0, 0)")

    def size(table):
        return db.execute("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ? OR name IN "
                          "(SELECT name FROM sqlite_master WHERE tbl_name = ? AND type = 'index')",
                          (table, table)).fetchone()[0]

    start = 1_767_225_600_000
    before = size("equity_points"), size("candles")
    # A bot holding a position all day: one point a minute, and 100 fills.
    points = [(start + i * 60_000, 100_000 + i * 0.37, i * 0.37, 1.5) for i in range(1_540)]
    db.executemany("INSERT INTO equity_points (bot_id, timestamp, equity, pnl, position_quantity) "
                   "VALUES (1, ?, ?, ?, ?)", points)
    candles = [("X/USD", "paper", span, start + k * width, 100.1, 101.2, 99.3, 100.4, 60.0, start + (k + 1) * width - 1)
               for span, width in SPANS.items() for k in range(86_400_000 // width)]
    db.executemany("INSERT INTO candles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", candles)
    db.commit()
    print(f"equity: {len(points)} points a bot-day, {(size('equity_points') - before[0]) // 1024} KiB")
    print(f"candles: {len(candles)} rows an instrument-day, {(size('candles') - before[1]) // 1024} KiB")


if __name__ == "__main__":
    main()
