import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import TickwireModel
import TickwireResearch

/// `tickwire optimize`: a parameter sweep on all cores; the best ten and a heatmap of the first two parameters.
struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize", abstract: "Backtest every combination of a parameter grid and rank them.")

    @OptionGroup var data: BacktestDataOptions
    @Option(help: "Strategy: \(Strategies.names.joined(separator: ", ")).") var strategy: String
    @Option(name: .customLong("param"), help: "A fixed strategy parameter, KEY=VALUE (repeatable).")
    var parameters: [String] = []
    @Option(help: "A swept parameter, KEY=FROM..TO[:STEP] (repeatable).") var grid: [String] = []
    @Option(help: "A constraint between parameters, like fast<slow (repeatable).") var constraint: [String] = []
    @Option(help: "The statistic to maximise (a JSON key of the statistics).") var maximize = "sqn"
    @Option(help: "Parallel workers.") var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let bars = try data.loadBars()
        let options = try data.options()
        let fixed = try BacktestCommand.config(parameters)
        let sweep: ParameterGrid
        do {
            sweep = ParameterGrid(
                axes: try grid.map { (text) throws(TickwireModel.ValidationError) in
                    try ParameterGrid.Axis(parsing: text)
                },
                constraints: try constraint.map { (text) throws(TickwireModel.ValidationError) in
                    try ParameterGrid.Constraint(parsing: text)
                })
        } catch {
            throw ValidationError("--\(error.field) \(error.message)")
        }
        guard !sweep.axes.isEmpty else { throw ValidationError("name at least one --grid") }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 256") }
        let combinations = sweep.combinations
        guard !combinations.isEmpty else { throw ValidationError("no combination passes the constraints") }
        let started = ContinuousClock.now
        let ranked = try Sweep.run(
            strategy: strategy, fixed: fixed, combinations: combinations, bars: bars, options: options, jobs: jobs,
            maximize: maximize)
        let seconds = Sweep.seconds(ContinuousClock.now - started)
        let names = sweep.axes.map(\.name)
        if json {
            let rows: [JSONValue] = ranked.prefix(10).map { row in
                .object([
                    "params": .object(row.parameters.mapValues(JSONValue.number)),
                    maximize: row.score.isFinite ? .number(row.score) : .null,
                ])
            }
            print(
                JSONCoding.encodeToString([
                    "best": JSONValue.array(rows), "backtests": .number(Double(combinations.count)),
                    "seconds": .number(seconds),
                ]))
            return
        }
        print("\(combinations.count) backtests in \(String(format: "%.3f", seconds)) s on \(jobs) workers")
        print("Best ten by \(maximize):")
        for row in ranked.prefix(10) {
            let parameters = names.map { "\($0)=\(Sweep.format(row.parameters[$0] ?? .nan))" }.joined(separator: " ")
            print("  \(parameters)  \(maximize)=\(String(format: "%.6f", row.score))")
        }
        if names.count >= 2 { print(Sweep.heatmap(ranked, rows: names[0], columns: names[1])) }
    }
}

/// Runs a sweep's backtests on `jobs` threads and ranks them.
enum Sweep {
    struct Row: Sendable {
        var parameters: [String: Double]
        var score: Double
    }

    static func run(
        strategy name: String, fixed: [String: JSONValue], combinations: [[String: Double]], bars: Bars,
        options: BacktestOptions, jobs: Int, maximize: String
    ) throws -> [Row] {
        // Every combination is validated before anything runs: a bad one is an error, not a silent skip.
        var made: [any Strategy] = []
        for combination in combinations {
            let config = fixed.merging(combination.mapValues { JSONValue.number($0) }) { $1 }
            do {
                made.append(try Strategies.make(name: name, config: config))
            } catch {
                throw ValidationError("\(error.field): \(error.message) (at \(combination))")
            }
        }
        let strategies = made
        let market = MarketReference(closes: bars.close)
        let scores = Mutex([Double](repeating: .nan, count: combinations.count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < strategies.count else { return }
                let result = Backtest.run(strategies[index], on: bars, options: options, market: market)
                let score = result.statistics.value(named: maximize) ?? .nan
                scores.withLock { $0[index] = score }
            }
        }
        let all = scores.withLock { $0 }
        return zip(combinations, all).map { Row(parameters: $0, score: $1) }.sorted {
            ($0.score.isNaN ? -Double.infinity : $0.score) > ($1.score.isNaN ? -Double.infinity : $1.score)
        }
    }

    /// The best score of each pair of the first two parameters, as a table.
    static func heatmap(_ rows: [Row], rows rowName: String, columns columnName: String) -> String {
        var cells: [Double: [Double: Double]] = [:]
        for row in rows {
            guard let r = row.parameters[rowName], let c = row.parameters[columnName], row.score.isFinite else {
                continue
            }
            cells[r, default: [:]][c] = max(cells[r]?[c] ?? -.infinity, row.score)
        }
        let columns = Set(cells.values.flatMap(\.keys)).sorted()
        var lines = ["Heatmap (\(rowName) down, \(columnName) across, best score):"]
        lines.append(
            "".padding(toLength: 8, withPad: " ", startingAt: 0)
                + columns.map { format($0).padding(toLength: 9, withPad: " ", startingAt: 0) }.joined())
        for r in cells.keys.sorted() {
            lines.append(
                format(r).padding(toLength: 8, withPad: " ", startingAt: 0)
                    + columns.map { c in
                        (cells[r]?[c].map { String(format: "%.3f", $0) } ?? ".").padding(
                            toLength: 9, withPad: " ", startingAt: 0)
                    }.joined())
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(exactly: value) ?? 0) : String(value)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
