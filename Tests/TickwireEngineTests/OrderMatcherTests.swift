import Testing
import TickwireModel

@testable import TickwireEngine

@Suite struct OrderMatcherTests {
    static let t0 = Timestamp(milliseconds: 0)

    static func order(
        _ side: OrderSide, _ type: OrderType, quantity: Double, price: Double? = nil, filled: Double = 0
    ) -> Order {
        Order(
            id: 1, botId: 1, exchangeOrderId: nil, side: side, type: type, quantity: quantity, price: price,
            status: filled > 0 ? .partiallyFilled : .new, filledQuantity: filled, avgFillPrice: filled > 0 ? 100 : nil,
            createdAt: t0, updatedAt: t0)
    }

    static func tick(_ price: Double) -> Tick { Tick(ticker: "X", price: price, timestamp: t0) }

    @Test func marketOrdersPaySlippageAndFees() throws {
        let settings = BrokerSettings(slippageBps: 10, feeBps: 20, maxFillNotional: nil)
        // Buy 2 at 100: 0.1% slippage → 100.1; fee 0.2% of 200.2 = 0.4004.
        let buy = try #require(
            OrderMatcher.fill(for: Self.order(.buy, .market, quantity: 2), at: Self.tick(100), settings: settings))
        #expect(buy.quantity == 2)
        #expect(abs(buy.price - 100.1) < 1e-9)
        #expect(abs((buy.fee ?? 0) - 0.4004) < 1e-9)
        // Sell 1 at 50: 49.95, fee 0.0999.
        let sell = try #require(
            OrderMatcher.fill(for: Self.order(.sell, .market, quantity: 1), at: Self.tick(50), settings: settings))
        #expect(abs(sell.price - 49.95) < 1e-9)
        #expect(abs((sell.fee ?? 0) - 0.0999) < 1e-9)
    }

    @Test func limitOrdersFillOnlyWhenThePriceCrosses() throws {
        let settings = BrokerSettings(slippageBps: 50, feeBps: 0, maxFillNotional: nil)
        let buy = Self.order(.buy, .limit, quantity: 1, price: 100)
        #expect(OrderMatcher.fill(for: buy, at: Self.tick(100.01), settings: settings) == nil)
        #expect(OrderMatcher.fill(for: buy, at: Self.tick(99.5), settings: settings)?.price == 99.5)  // no slippage
        let sell = Self.order(.sell, .limit, quantity: 1, price: 100)
        #expect(OrderMatcher.fill(for: sell, at: Self.tick(99.99), settings: settings) == nil)
        #expect(OrderMatcher.fill(for: sell, at: Self.tick(100), settings: settings)?.price == 100)
    }

    @Test func largeOrdersFillPartiallyTickByTick() throws {
        let settings = BrokerSettings(slippageBps: 0, feeBps: 0, maxFillPerTick: 4, maxFillNotional: nil)
        let first = OrderMatcher.fill(
            for: Self.order(.buy, .market, quantity: 10), at: Self.tick(10), settings: settings)
        #expect(first?.quantity == 4)
        let last = OrderMatcher.fill(
            for: Self.order(.buy, .market, quantity: 10, filled: 8), at: Self.tick(10), settings: settings)
        #expect(last?.quantity == 2)
    }

    @Test func aLargeOrderFillsAtMostTheNotionalCapPerTick() throws {
        // 10 at 65,000 = 650,000 of notional against a 250,000 cap: 3.846... now, the rest on later ticks.
        let settings = BrokerSettings(slippageBps: 0, feeBps: 0, maxFillNotional: 250_000)
        let fill = try #require(
            OrderMatcher.fill(for: Self.order(.buy, .market, quantity: 10), at: Self.tick(65_000), settings: settings))
        #expect(abs(fill.quantity - 250_000 / 65_000) < 1e-12)
        let small = OrderMatcher.fill(
            for: Self.order(.buy, .market, quantity: 1), at: Self.tick(65_000), settings: settings)
        #expect(small?.quantity == 1)
    }

    @Test func terminalOrdersNeverFill() {
        var order = Self.order(.buy, .market, quantity: 1)
        order.status = .canceled
        #expect(OrderMatcher.fill(for: order, at: Self.tick(10), settings: .init()) == nil)
    }
}
