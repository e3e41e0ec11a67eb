#!/usr/bin/env python3
"""The reference side of `tickwire-bench backtest`: backtesting.py 0.6.6 on its GOOG daily bars.

    bench-backtest-reference.py [--seconds S] [--jobs N]

Prints one JSON object: bars per second of the README example (SmaCross 10/20, cash 10,000, commission 0.002,
exclusive orders) on one core, and backtests per second of `Backtest.optimize` over a grid on N processes.
"""
import argparse
import json
import time
import warnings

from backtesting import Backtest, Strategy
from backtesting.lib import crossover
from backtesting.test import GOOG, SMA

warnings.filterwarnings("ignore")


class SmaCross(Strategy):
    n1 = 10
    n2 = 20

    def init(self):
        self.sma1 = self.I(SMA, self.data.Close, self.n1)
        self.sma2 = self.I(SMA, self.data.Close, self.n2)

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.sell()


parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=float, default=3)
parser.add_argument("--jobs", type=int, default=2)
arguments = parser.parse_args()

backtest = Backtest(GOOG, SmaCross, cash=10_000, commission=.002, exclusive_orders=True)
backtest.run()  # warm-up
runs, started = 0, time.perf_counter()
while time.perf_counter() - started < arguments.seconds:
    backtest.run()
    runs += 1
single = time.perf_counter() - started

import multiprocessing  # noqa: E402  (backtesting.py's optimize uses a process pool of cpu_count)
grid = dict(n1=range(5, 30, 5), n2=range(10, 70, 10))
count = sum(1 for a in grid["n1"] for b in grid["n2"] if a < b)
started = time.perf_counter()
backtest.optimize(**grid, constraint=lambda p: p.n1 < p.n2, maximize="Sharpe Ratio")
sweep = time.perf_counter() - started
print(json.dumps({
    "bars": len(GOOG), "runs": runs, "single_seconds": single, "bars_per_second": runs * len(GOOG) / single,
    "run_ms": single / runs * 1000, "sweep_backtests": count, "sweep_seconds": sweep,
    "sweep_backtests_per_second": count / sweep, "cores": multiprocessing.cpu_count(),
}))
