import ArgumentParser
import Foundation
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
        let ranked: [Sweep.Row]
        do {
            ranked = try Sweep.run(
                strategy: strategy, fixed: fixed, combinations: combinations, bars: bars, options: options, jobs: jobs,
                maximize: maximize)
        } catch {
            throw ValidationError("\(error.field): \(error.message)")
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
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

/// How the CLI prints a sweep.
extension Sweep {
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
}
