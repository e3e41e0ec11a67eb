import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import TickwireEngine
import TickwireModel
import TickwireResearch

/// `tickwire-bench backtest`: the GOOG SmaCross case through Tickwire and, in the same run, through backtesting.py
/// (`scripts/bench-backtest-reference.py`); a sweep on every core; a 1,000,000-bar synthetic series. Build with
/// `-c release`.
struct BacktestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest", abstract: "Backtester speed beside backtesting.py's (results go in BENCHMARKS.md).")

    @Option(help: "The GOOG daily bars backtesting.py ships (backtesting/test/GOOG.csv).") var data: String
    @Option(help: "Python with backtesting.py 0.6.6; empty: skip the reference.") var python =
        ".venv-research/bin/python"
    @Option(help: "Seconds per measurement.") var seconds = 3.0
    @Option(help: "Workers for the sweep.") var jobs = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let bars = try OHLCVReader.read(String(contentsOfFile: data, encoding: .utf8))
        let options = BacktestOptions(cash: 10_000, commission: 0.002, exclusiveOrders: true)
        let strategy = try SMACrossover(fast: 10, slow: 20, short: true)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(bars.count) GOOG bars")

        // One core, one backtest after another, statistics included. The closes' log returns are the dataset's, computed
        // once as a service computes them once per stored dataset.
        let market = MarketReference(closes: bars.close)
        var runs = 0
        var checksum = 0.0
        let started = ContinuousClock.now
        while (ContinuousClock.now - started) / .seconds(1) < seconds {
            checksum += Backtest.run(strategy, on: bars, options: options, market: market).equity.last ?? 0
            runs += 1
        }
        let elapsed = (ContinuousClock.now - started) / .seconds(1)
        let barsPerSecond = Double(runs * bars.count) / elapsed
        print(
            String(
                format: "tickwire   GOOG SmaCross: %.3f ms a run, %.0f bars/s on one core (%d runs)",
                elapsed / Double(runs) * 1000, barsPerSecond, runs))

        // A sweep: fast 2...40 × slow 5...200 (fast < slow), on every core, repeated for `seconds`.
        let sweep = ParameterGrid(
            axes: [
                .init(name: "fast", values: (2...40).map(Double.init)),
                .init(name: "slow", values: stride(from: 5.0, through: 200, by: 5).map { $0 }),
            ],
            constraints: [try ParameterGrid.Constraint(parsing: "fast<slow")])
        let combinations = sweep.combinations
        var sweeps = 0
        let sweepStarted = ContinuousClock.now
        while (ContinuousClock.now - sweepStarted) / .seconds(1) < seconds {
            _ = try Sweep.run(
                strategy: "sma_crossover", fixed: ["short": .bool(true)], combinations: combinations, bars: bars,
                options: options, jobs: jobs, maximize: "sharpe_ratio")
            sweeps += 1
        }
        let sweepSeconds = (ContinuousClock.now - sweepStarted) / .seconds(1)
        print(
            String(
                format: "tickwire   sweep: %d backtests × %d in %.2f s: %.0f backtests/s on %d workers",
                combinations.count, sweeps, sweepSeconds, Double(combinations.count * sweeps) / sweepSeconds, jobs))

        // Length: a synthetic random walk of 1,000,000 bars.
        var generator = SeededGenerator(seed: 7)
        var price = 100.0
        var synthetic = Bars(times: [], open: [], high: [], low: [], close: [], volume: [])
        for index in 0..<1_000_000 {
            let open = price
            price = max(1, price * (1 + (Double(generator.next() % 2001) - 1000) / 100_000))
            synthetic.times.append(Int64(index) * 60_000)
            synthetic.open.append(open)
            synthetic.high.append(max(open, price) * 1.001)
            synthetic.low.append(min(open, price) * 0.999)
            synthetic.close.append(price)
            synthetic.volume.append(0)
        }
        let longStarted = ContinuousClock.now
        let long = Backtest.run(strategy, on: synthetic, options: options)
        let longSeconds = (ContinuousClock.now - longStarted) / .seconds(1)
        print(
            String(
                format: "tickwire   1,000,000 bars: %.3f s, %.0f bars/s (%d trades)", longSeconds,
                1_000_000 / longSeconds, long.trades.count))
        if checksum.isNaN { print("(checksum NaN)") }

        guard !python.isEmpty else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["scripts/bench-backtest-reference.py", "--seconds", String(seconds)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let reference = try? JSONDecoder().decode(Reference.self, from: output)
        else {
            print("reference: the script failed (status \(process.terminationStatus))")
            return
        }
        print(
            String(
                format: "backtesting.py GOOG SmaCross: %.3f ms a run, %.0f bars/s on one core",
                reference.runMs, reference.barsPerSecond))
        print(
            String(
                format: "backtesting.py optimize: %d backtests in %.2f s: %.1f backtests/s on %d processes",
                reference.sweepBacktests, reference.sweepSeconds, reference.sweepBacktestsPerSecond, reference.cores))
        print(
            String(
                format: "ratio: %.0f× bars/s on one core, %.0f× backtests/s in a sweep",
                barsPerSecond / reference.barsPerSecond,
                Double(combinations.count * sweeps) / sweepSeconds / reference.sweepBacktestsPerSecond))
    }

    struct Reference: Decodable {
        let barsPerSecond: Double
        let runMs: Double
        let sweepBacktests: Int
        let sweepSeconds: Double
        let sweepBacktestsPerSecond: Double
        let cores: Int
        enum CodingKeys: String, CodingKey {
            case barsPerSecond = "bars_per_second"
            case runMs = "run_ms"
            case sweepBacktests = "sweep_backtests"
            case sweepSeconds = "sweep_seconds"
            case sweepBacktestsPerSecond = "sweep_backtests_per_second"
            case cores
        }
    }
}
