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
}

extension Strategy {
    public var sellsShort: Bool { false }
}

/// Builds a bot's strategy from its `strategy` name and `config`, refusing unknown names and out-of-range
/// parameters with a `ValidationError` naming the field (`config.fast`).
public enum Strategies {
    public static let names = ["sma_crossover", "rsi_reversion", "grid", "swing"]

    public static func make(name: String, config: [String: JSONValue]) throws(ValidationError) -> any Strategy {
        switch name {
        case "sma_crossover", "sma":
            return try SMACrossover(
                fast: config.int("fast", default: 5, in: 1...500), slow: config.int("slow", default: 20, in: 2...1000),
                short: config.bool("short", default: false))
        case "rsi_reversion", "rsi":
            return try RSIReversion(
                period: config.int("period", default: 14, in: 2...200),
                oversold: config.double("oversold", default: 30, in: 1...99),
                overbought: config.double("overbought", default: 70, in: 1...99))
        case "grid", "scalper":
            return try GridScalper(
                spacing: config.double("spacing", default: 0.005, in: 0.0001...0.5),
                levels: config.int("levels", default: 5, in: 1...100))
        case "swing":
            return try SwingRebalancer(
                every: config.int("every", default: 30, in: 1...100_000),
                period: config.int("period", default: 50, in: 2...1000))
        default:
            throw ValidationError("strategy", "unknown strategy '\(name)'; use one of \(names.joined(separator: ", "))")
        }
    }

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
