import TickwireModel

/// What a strategy wants done, with the reason in words (it becomes the bot's activity log line). The words are
/// written only when asked for: a backtest makes thousands of signals and reads none of their reasons.
public struct Signal: Sendable, Equatable {
    public var side: OrderSide
    let explanation: Explanation

    public init(_ side: OrderSide, _ reason: String) {
        self.side = side
        explanation = .text(reason)
    }

    init(_ side: OrderSide, because explanation: Explanation) {
        self.side = side
        self.explanation = explanation
    }

    public var reason: String {
        switch explanation {
        case .text(let text):
            return text
        case .crossover(let fast, let slow, let fastValue, let slowValue):
            let direction = side == .buy ? "above" : "below"
            return "SMA\(fast) \(Self.format(fastValue)) crossed \(direction) SMA\(slow) \(Self.format(slowValue))"
        case .rsi(let period, let value, let threshold):
            return side == .buy
                ? "RSI\(period) \(Self.format(value)) fell below \(Self.format(threshold)): oversold"
                : "RSI\(period) \(Self.format(value)) rose above \(Self.format(threshold)): overbought"
        }
    }

    /// The facts a reason is written from.
    enum Explanation: Sendable, Equatable {
        case text(String)
        case crossover(fast: Int, slow: Int, fastValue: Double, slowValue: Double)
        case rsi(period: Int, value: Double, threshold: Double)
    }

    /// A price or indicator value in a reason, to the cent.
    static func format(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return String(scaled)
    }
}

/// A trading rule fed one price at a time. Deterministic: the same prices give the same signals. A live bot and
/// its backtest run the same value: the engine feeds it ticks, the backtester bars' closes.
public protocol Strategy: Sendable {
    /// The next price; returns a signal when the rule fires.
    mutating func onPrice(_ price: Double) -> Signal?
    /// The index of the first price at which the rule's indicators have a value; a backtest trades from the next
    /// bar on, and buy-and-hold is measured from this one (backtesting.py's indicator warm-up).
    var warmupBars: Int { get }
    /// Whether a sell opens a short position (true) or only closes a long one.
    var sellsShort: Bool { get }
    /// What the rule sees now, in words: why it holds when it gives no signal.
    var status: String { get }
}

extension Strategy {
    public var sellsShort: Bool { false }
    public var status: String { "no signal" }
}

/// Builds a bot's strategy from its `strategy` name and `config`, refusing unknown names and out-of-range
/// parameters with a `ValidationError` naming the field (`config.fast`).
public enum Strategies {
    public static let names = catalog.map(\.name)

    public static func make(name: String, config: [String: JSONValue]) throws(ValidationError) -> any Strategy {
        let description = try describe(name)
        return try build(description, try description.arguments(config))
    }

    /// The catalogue entry of `name` or one of its aliases.
    static func describe(_ name: String) throws(ValidationError) -> StrategyDescription {
        guard let description = catalog.first(where: { $0.name == name || $0.aliases.contains(name) }) else {
            throw ValidationError("strategy", "unknown strategy '\(name)'; use one of \(names.joined(separator: ", "))")
        }
        return description
    }

    private static func build(_ description: StrategyDescription, _ arguments: StrategyArguments)
        throws(ValidationError) -> any Strategy
    {
        switch description.name {
        case "sma_crossover":
            return try SMACrossover(
                fast: arguments.int("fast"), slow: arguments.int("slow"), short: arguments.bool("short"))
        case "rsi_reversion":
            return try RSIReversion(
                period: arguments.int("period"), oversold: arguments.double("oversold"),
                overbought: arguments.double("overbought"))
        case "grid":
            return try GridScalper(spacing: arguments.double("spacing"), levels: arguments.int("levels"))
        case "momentum":
            return try Momentum(lookback: arguments.int("lookback"), threshold: arguments.double("threshold"))
        case "mean_reversion":
            return try MeanReversion(
                period: arguments.int("period"), entry: arguments.double("entry"), exit: arguments.double("exit"))
        case "rule_based":
            return RuleBased()
        default:
            return try SwingRebalancer(every: arguments.int("every"), period: arguments.int("period"))
        }
    }

    /// The strategy's canonical name and its parameters with every default filled in: two configs that run the same
    /// strategy the same way normalize to the same value (keys other than parameters are dropped).
    public static func normalized(name: String, config: [String: JSONValue]) throws(ValidationError) -> (
        name: String, parameters: [String: JSONValue]
    ) {
        let description = try describe(name)
        let arguments = try description.arguments(config)
        _ = try build(description, arguments)
        return (description.name, arguments.values)
    }

    /// Every strategy with its parameters: what `make` accepts, and what the API publishes.
    public static let catalog: [StrategyDescription] = [
        StrategyDescription(
            name: "sma_crossover", aliases: ["sma"],
            summary: "Trend following: buy when the fast SMA crosses above the slow one, sell when it crosses below.",
            parameters: [
                StrategyParameter(
                    name: "fast", kind: .integer(1...500, default: 5), summary: "Fast SMA period, in bars."),
                StrategyParameter(
                    name: "slow", kind: .integer(2...1000, default: 20), summary: "Slow SMA period, in bars."),
                StrategyParameter(
                    name: "short", kind: .boolean(default: false),
                    summary: "A sell opens a short position instead of only closing the long."),
            ]),
        StrategyDescription(
            name: "rsi_reversion", aliases: ["rsi"],
            summary: "Mean reversion: buy when the RSI falls below oversold, sell when it rises above overbought.",
            parameters: [
                StrategyParameter(
                    name: "period", kind: .integer(2...200, default: 14), summary: "RSI period, in bars."),
                StrategyParameter(
                    name: "oversold", kind: .number(1...99, default: 30), summary: "Buy below this RSI value."),
                StrategyParameter(
                    name: "overbought", kind: .number(1...99, default: 70), summary: "Sell above this RSI value."),
            ]),
        StrategyDescription(
            name: "grid", aliases: ["scalper"],
            summary: "Grid scalping: buy each grid line below the first price, sell each line above.",
            parameters: [
                StrategyParameter(
                    name: "spacing", kind: .number(0.0001...0.5, default: 0.005),
                    summary: "Distance between grid lines, as a fraction of the first price (0.005 = 0.5 %)."),
                StrategyParameter(
                    name: "levels", kind: .integer(1...100, default: 5), summary: "Grid lines on each side."),
            ]),
        StrategyDescription(
            name: "swing", aliases: [],
            summary: "Swing rebalancing: every few bars, hold when the price is above its SMA, else stay flat.",
            parameters: [
                StrategyParameter(
                    name: "every", kind: .integer(1...100_000, default: 30), summary: "Bars between decisions."),
                StrategyParameter(
                    name: "period", kind: .integer(2...1000, default: 50), summary: "SMA period, in bars."),
            ]),
        StrategyDescription(
            name: "momentum", aliases: [],
            summary: "Momentum: buy when the price rose more than the threshold over the lookback, sell when it fell.",
            parameters: [
                StrategyParameter(
                    name: "lookback", kind: .integer(1...1000, default: 10),
                    summary: "Bars the change is measured over."),
                StrategyParameter(
                    name: "threshold", kind: .number(0...100, default: 0.1), summary: "Change that signals, in percent."
                ),
            ]),
        StrategyDescription(
            name: "mean_reversion", aliases: [],
            summary:
                "Mean reversion: buy when the price is stretched below its SMA in deviations, sell when back above.",
            parameters: [
                StrategyParameter(
                    name: "period", kind: .integer(2...1000, default: 20), summary: "SMA and deviation period, in bars."
                ),
                StrategyParameter(
                    name: "entry", kind: .number(0...10, default: 1.5), summary: "Deviations below the mean to buy at."),
                StrategyParameter(
                    name: "exit", kind: .number(-10...10, default: 0), summary: "Deviations above the mean to sell at."),
            ]),
        StrategyDescription(
            name: "rule_based", aliases: [],
            summary: "The models' explainer: SMA5 against SMA15, confirmed by RSI7; long or short.",
            parameters: []),
    ]

    /// The order quantity a bot trades per signal (`config.quantity`, default 1).
    public static func quantity(_ config: [String: JSONValue]) throws(ValidationError) -> Double {
        try config.double("quantity", default: 1, in: 1e-8...1e9)
    }
}

extension [String: JSONValue] {
    public func bool(_ key: String, default value: Bool) throws(ValidationError) -> Bool {
        guard let raw = self[key] else { return value }
        guard case .bool(let flag) = raw else { throw ValidationError("config.\(key)", "must be true or false") }
        return flag
    }

    public func double(_ key: String, default value: Double, in range: ClosedRange<Double>) throws(ValidationError)
        -> Double
    {
        guard let raw = self[key] else { return value }
        guard case .number(let number) = raw, range.contains(number) else {
            throw ValidationError(
                "config.\(key)", "must be a number between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    public func int(_ key: String, default value: Int, in range: ClosedRange<Int>) throws(ValidationError) -> Int {
        guard let raw = self[key] else { return value }
        guard case .number(let number) = raw, let integer = Int(exactly: number), range.contains(integer) else {
            throw ValidationError(
                "config.\(key)", "must be an integer between \(range.lowerBound) and \(range.upperBound)")
        }
        return integer
    }
}
