import ArgumentParser
import Foundation
import TickwireModel
import TickwireResearch

/// `tickwire backtest`: one strategy over one CSV file, statistics as backtesting.py prints them (or JSON).
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest", abstract: "Backtest a strategy on OHLCV bars from a CSV file.")

    @OptionGroup var data: BacktestDataOptions

    @Option(help: "Strategy: \(Strategies.names.joined(separator: ", ")).")
    var strategy: String

    @Option(name: .customLong("param"), help: "A strategy parameter, KEY=VALUE (repeatable): fast=10, short=true.")
    var parameters: [String] = []

    @Flag(help: "Print {\"stats\", \"trades\", \"equity\"} as JSON instead of the table.")
    var json = false

    func run() throws {
        let bars = try data.loadBars()
        let config = try Self.config(parameters)
        let strategy: any Strategy
        do {
            strategy = try Strategies.make(name: self.strategy, config: config)
        } catch {
            throw ValidationError("\(error.field): \(error.message)")
        }
        let result = Backtest.run(strategy, on: bars, options: try data.options())
        if json {
            let encoder = JSONCoding.encoder()
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(StatisticsTable.render(result.statistics))
        }
    }

    /// `KEY=VALUE` pairs as a strategy config: numbers, `true` / `false`, or text.
    static func config(_ pairs: [String]) throws -> [String: JSONValue] {
        var config: [String: JSONValue] = [:]
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--param must be KEY=VALUE: '\(pair)'")
            }
            let value = parts[1]
            config[parts[0]] =
                value == "true"
                ? .bool(true)
                : value == "false"
                    ? .bool(false)
                    : Double(value).flatMap { $0.isFinite ? JSONValue.number($0) : nil } ?? .string(value)
        }
        return config
    }
}

/// The data and broker options `backtest`, `optimize` and the bench share.
struct BacktestDataOptions: ParsableArguments {
    @Option(help: "OHLCV CSV file (header with open, high, low, close[, volume] and a date or time column).")
    var data: String
    @Option(help: "Starting cash.") var cash: Double = 10_000
    @Option(help: "Commission as a fraction of traded value, on entry and exit (0.002 = 0.2 %).")
    var commission: Double = 0
    @Option(help: "A fixed fee per entry and exit.") var fixedCommission: Double = 0
    @Option(help: "Bid-ask spread as a fraction.") var spread: Double = 0
    @Flag(help: "Each new order first closes the open position.") var exclusiveOrders = false
    @Flag(help: "Size in fractional units (crypto) instead of whole units.") var fractional = false
    @Option(help: "Stop-loss per entry, as a fraction of the entry bar's close.") var stopLoss: Double?
    @Option(help: "Take-profit per entry, as a fraction of the entry bar's close.") var takeProfit: Double?
    @Flag(help: "Close trades still open at the end (at the last bar's open).") var finalizeTrades = false
    @Option(help: "Enter with a limit order this fraction better than the signal close.") var entryLimit: Double?
    @Option(help: "Enter with a stop order this fraction beyond the signal close (breakout).") var entryStop: Double?
    @Option(help: "First bar time to use (ISO 8601).") var from: String?
    @Option(help: "Last bar time to use (ISO 8601).") var to: String?

    func loadBars() throws -> Bars {
        let bars = try Self.bars(inFile: data)
        func bound(_ text: String?, _ name: String) throws -> Int64? {
            guard let text else { return nil }
            guard let time = OHLCVReader.time(text) else { throw ValidationError("--\(name) is not a date: '\(text)'") }
            return time
        }
        return bars.between(from: try bound(from, "from"), to: try bound(to, "to"))
    }

    /// Every bar of an OHLCV CSV file; an unreadable file or a bad row is an error naming the file.
    static func bars(inFile path: String) throws -> Bars {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("\(path): cannot be read (\(error.localizedDescription))")
        }
        do {
            return try OHLCVReader.read(text)
        } catch {
            throw ValidationError("\(path): \(error.message)")
        }
    }

    func options() throws -> BacktestOptions {
        let options = BacktestOptions(
            cash: cash, commission: commission, fixedCommission: fixedCommission, spread: spread,
            exclusiveOrders: exclusiveOrders, fractional: fractional, stopLoss: stopLoss, takeProfit: takeProfit,
            finalizeTrades: finalizeTrades, entryLimit: entryLimit, entryStop: entryStop)
        do {
            try options.validate()
        } catch {
            throw ValidationError("--\(error.field.replacingOccurrences(of: "_", with: "-")) \(error.message)")
        }
        return options
    }
}
