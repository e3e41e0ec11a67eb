import TickwireModel

/// How the paper broker fills orders.
public struct BrokerSettings: Sendable, Equatable {
    /// Market orders fill this many basis points worse than the tick (buys higher, sells lower).
    public var slippageBps: Double
    /// Fee on each fill, in basis points of its notional.
    public var feeBps: Double
    /// The most one tick fills of one order, in quantity; nil: no quantity cap.
    public var maxFillPerTick: Double?
    /// The most one tick fills of one order, in notional (price × quantity): a large order fills over several ticks
    /// as it would against real liquidity. nil: no cap.
    public var maxFillNotional: Double?

    public init(
        slippageBps: Double = 5, feeBps: Double = 10, maxFillPerTick: Double? = nil, maxFillNotional: Double? = 250_000
    ) {
        self.slippageBps = slippageBps
        self.feeBps = feeBps
        self.maxFillPerTick = maxFillPerTick
        self.maxFillNotional = maxFillNotional
    }
}

/// The paper broker's matching rule, pure so that fills can be asserted exactly:
/// - a market order fills at the next tick's price moved by the slippage against the trader;
/// - a limit buy fills when the price is at or below its limit, at the tick's price (never worse than the limit);
///   a limit sell when at or above, likewise;
/// - each tick fills at most `maxFillPerTick` and `maxFillNotional` of what remains (partial fills); the fee is
///   `feeBps` of the fill's notional;
/// - prices are quoted to 8 significant digits, fees to 1e-8.
public enum OrderMatcher {
    public static func fill(for order: Order, at tick: Tick, settings: BrokerSettings) -> FillRequest? {
        guard !order.status.isTerminal, order.remainingQuantity > 0, tick.price > 0 else { return nil }
        let price: Double
        switch order.type {
        case .market:
            let slip = settings.slippageBps / 10_000
            price = tick.price * (order.side == .buy ? 1 + slip : 1 - slip)
        case .limit:
            guard let limit = order.price else { return nil }
            switch order.side {
            case .buy:
                guard tick.price <= limit else { return nil }
            case .sell:
                guard tick.price >= limit else { return nil }
            }
            price = tick.price
        }
        var quantity = min(order.remainingQuantity, settings.maxFillPerTick ?? order.remainingQuantity)
        if let notional = settings.maxFillNotional { quantity = min(quantity, notional / price) }
        // Quoted like an exchange would: 8 significant digits for the price, fees to 1e-8.
        let quoted = SyntheticFeed.round(price)
        let fee = (quoted * quantity * settings.feeBps / 10_000 * 1e8).rounded() / 1e8
        return FillRequest(quantity: quantity, price: quoted, fee: fee)
    }
}
