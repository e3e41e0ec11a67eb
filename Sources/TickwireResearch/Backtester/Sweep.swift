import Dispatch
import Synchronization
import TickwireModel

/// A parameter sweep: every combination backtested on `jobs` threads, ranked by one statistic.
public enum Sweep {
    public struct Row: Sendable, Equatable {
        public var parameters: [String: Double]
        /// The statistic maximised; NaN when the backtest has none (no trade), ranked last.
        public var score: Double
    }

    public static func run(
        strategy name: String, fixed: [String: JSONValue], combinations: [[String: Double]], bars: Bars,
        options: BacktestOptions, jobs: Int, maximize: String, progress: (@Sendable (Double) -> Void)? = nil,
        shouldStop: (@Sendable () -> Bool)? = nil
    ) throws(ValidationError) -> [Row] {
        // Every combination is validated before anything runs: a bad one is an error, not a silent skip.
        var made: [any Strategy] = []
        for combination in combinations {
            let config = fixed.merging(combination.mapValues { JSONValue.number($0) }) { $1 }
            do {
                made.append(try Strategies.make(name: name, config: config))
            } catch {
                throw ValidationError(error.field, "\(error.message) (at \(combination))")
            }
        }
        let strategies = made
        let market = MarketReference(closes: bars.close)
        let scores = Mutex([Double](repeating: .nan, count: combinations.count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                // Asked between backtests: a stopped sweep frees its threads within one backtest's time.
                guard index < strategies.count, shouldStop?() != true else { return }
                let result = Backtest.run(strategies[index], on: bars, options: options, market: market)
                let score = result.statistics.value(named: maximize) ?? .nan
                scores.withLock { $0[index] = score }
                if let progress, (index + 1) % max(1, strategies.count / 100) == 0 {
                    progress(Double(index + 1) / Double(strategies.count))
                }
            }
        }
        let all = scores.withLock { $0 }
        return zip(combinations, all).map { Row(parameters: $0, score: $1) }.sorted {
            ($0.score.isNaN ? -Double.infinity : $0.score) > ($1.score.isNaN ? -Double.infinity : $1.score)
        }
    }
}
