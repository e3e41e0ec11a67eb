/// What a trading model decides at one step of a session.
public enum ModelAction: String, Codable, Sendable, CaseIterable {
    case buy, sell, hold
}

/// How a model's decision becomes an order: a buy takes a long position of `size`, a sell a short one of `size` when
/// the model may sell short (else it goes flat). An order is for the difference to what the model holds, so a buy
/// while short covers and goes long in one order; a decision the position already carries out places none.
public enum ModelOrders {
    public struct Plan: Sendable, Equatable {
        public var side: OrderSide
        public var quantity: Double
        /// The position once it fills.
        public var target: Double
    }

    public static func plan(_ action: ModelAction, size: Double, position: Double, allowsShort: Bool) -> Plan? {
        let target: Double
        switch action {
        case .hold: return nil
        case .buy: target = size
        case .sell: target = allowsShort ? -size : 0
        }
        let quantity = target - position
        guard abs(quantity) > 1e-12 else { return nil }
        return Plan(side: quantity > 0 ? .buy : .sell, quantity: abs(quantity), target: target)
    }
}

/// A model's risk limits (`config.max_position`, `config.max_order_size`, `config.max_daily_loss`, each optional):
/// breaching one ends the session with an `error` that names it.
public struct ModelRiskLimits: Sendable, Equatable {
    public var maxPosition: Double?
    public var maxOrderSize: Double?
    /// Loss since the start of the UTC day (or of the session, if later), in cash.
    public var maxDailyLoss: Double?

    public init(maxPosition: Double? = nil, maxOrderSize: Double? = nil, maxDailyLoss: Double? = nil) {
        self.maxPosition = maxPosition
        self.maxOrderSize = maxOrderSize
        self.maxDailyLoss = maxDailyLoss
    }

    public init(_ config: [String: JSONValue]) throws(ValidationError) {
        func limit(_ key: String) throws(ValidationError) -> Double? {
            guard let raw = config[key] else { return nil }
            guard case .number(let value) = raw, value.isFinite, value > 0 else {
                throw ValidationError("config.\(key)", "must be a number greater than 0")
            }
            return value
        }
        self.init(
            maxPosition: try limit("max_position"), maxOrderSize: try limit("max_order_size"),
            maxDailyLoss: try limit("max_daily_loss"))
    }

    /// The limit `plan` would breach, in words, or nil.
    public func breach(of plan: ModelOrders.Plan) -> String? {
        if let maxOrderSize, plan.quantity > maxOrderSize + 1e-12 {
            return "max_order_size: an order of \(plan.quantity) exceeds \(maxOrderSize)"
        }
        if let maxPosition, abs(plan.target) > maxPosition + 1e-12 {
            return "max_position: a position of \(abs(plan.target)) exceeds \(maxPosition)"
        }
        return nil
    }

    /// The daily-loss limit, if `loss` (positive: money lost) breaches it.
    public func breach(dailyLoss loss: Double) -> String? {
        guard let maxDailyLoss, loss > maxDailyLoss else { return nil }
        return "max_daily_loss: lost \((loss * 100).rounded() / 100) today, more than \(maxDailyLoss)"
    }
}
