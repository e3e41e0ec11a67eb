/// What an agent decides at one step of a trading session.
public struct Decision: Sendable, Equatable {
    public enum Action: String, Sendable {
        case buy, sell, hold
    }

    public var action: Action
    public var confidence: Double
    /// The reasoning, in words: it is the `trade` event's message.
    public var message: String
}

/// How a trading model's agent decides. Pluggable: an LLM-backed agent would implement the same protocol.
public protocol DecisionPolicy: Sendable {
    /// - Parameters:
    ///   - prices: the ticker's recent prices, oldest first.
    ///   - position: the agent's current position (+1 long, 0 flat, −1 short).
    func decide(ticker: String, prices: [Double], position: Int) -> Decision
}

/// A rule-based agent that explains itself: trend from SMA5 against SMA15, confirmed by RSI7 not being stretched.
public struct RuleBasedPolicy: DecisionPolicy {
    public static let lookback = 15

    public init() {}

    public func decide(ticker: String, prices: [Double], position: Int) -> Decision {
        guard prices.count >= Self.lookback, let last = prices.last else {
            return Decision(
                action: .hold, confidence: 0,
                message: "Gathering data on \(ticker): \(prices.count) of \(Self.lookback) prices")
        }
        let fast = prices.suffix(5).reduce(0, +) / 5
        let slow = prices.suffix(Self.lookback).reduce(0, +) / Double(Self.lookback)
        let rsi = Self.rsi(Array(prices.suffix(8)))
        let gap = (fast / slow - 1) * 100
        let facts =
            "SMA5 \(format(fast)) vs SMA15 \(format(slow)) (\(gap >= 0 ? "+" : "")\(format(gap))%), RSI7 \(format(rsi))"
        let confidence = (min(0.95, abs(gap) * 20 + 0.3) * 100).rounded() / 100
        if gap > 0.02, rsi < 70, position <= 0 {
            return Decision(
                action: .buy, confidence: confidence,
                message: "Uptrend on \(ticker) at \(format(last)): \(facts); buying")
        }
        if gap < -0.02, rsi > 30, position >= 0 {
            return Decision(
                action: .sell, confidence: confidence,
                message: "Downtrend on \(ticker) at \(format(last)): \(facts); selling")
        }
        return Decision(
            action: .hold, confidence: 0.5, message: "No edge on \(ticker) at \(format(last)): \(facts); holding")
    }

    /// RSI over the changes of `prices` (simple averages).
    static func rsi(_ prices: [Double]) -> Double {
        var gains = 0.0
        var losses = 0.0
        for index in prices.indices.dropFirst() {
            let change = prices[index] - prices[index - 1]
            if change > 0 { gains += change } else { losses -= change }
        }
        return losses == 0 ? 100 : 100 - 100 / (1 + gains / losses)
    }

    private func format(_ value: Double) -> String { String((value * 100).rounded() / 100) }
}
