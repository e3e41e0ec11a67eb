import Testing
import TickwireModel

@Suite struct PositionTests {
    let t = Timestamp(milliseconds: 0)

    @Test func averageCostRealizesOnReduction() {
        var p = Position.flat(botId: 1, at: t)
        p = p.applying(side: .buy, quantity: 2, price: 100, fee: 0.2, at: t)
        p = p.applying(side: .buy, quantity: 2, price: 110, fee: 0.2, at: t)
        #expect(p.quantity == 4)
        #expect(p.avgEntryPrice == 105)
        p = p.applying(side: .sell, quantity: 1, price: 120, fee: 0.1, at: t)
        #expect(p.quantity == 3)
        #expect(p.realizedPnl == 15)
        #expect(p.avgEntryPrice == 105)
        #expect(abs(p.fees - 0.5) < 1e-12)
        #expect(p.unrealizedPnl(at: 100) == -15)
    }

    @Test func flippingOpensAtTheFillPrice() {
        var p = Position.flat(botId: 1, at: t).applying(side: .buy, quantity: 1, price: 100, fee: 0, at: t)
        p = p.applying(side: .sell, quantity: 3, price: 90, fee: 0, at: t)
        #expect(p.quantity == -2)
        #expect(p.realizedPnl == -10)
        #expect(p.avgEntryPrice == 90)
        #expect(p.unrealizedPnl(at: 80) == 20)
    }

    @Test func closingFlatResetsEntry() {
        var p = Position.flat(botId: 1, at: t).applying(side: .sell, quantity: 2, price: 50, fee: 0, at: t)
        p = p.applying(side: .buy, quantity: 2, price: 40, fee: 0, at: t)
        #expect(p.quantity == 0)
        #expect(p.avgEntryPrice == 0)
        #expect(p.realizedPnl == 20)
    }

    @Test func pnlTotalsNetOfFees() {
        let bot = Bot(
            id: 1, name: "b", ticker: "X", exchange: "E", strategy: "s", config: [:], status: .active, createdAt: t,
            updatedAt: t)
        let position = Position(botId: 1, quantity: 2, avgEntryPrice: 10, realizedPnl: 5, fees: 1, updatedAt: t)
        let pnl = BotPnL(bot: bot, position: position, lastPrice: 12)
        #expect(pnl.unrealizedPnl == 4)
        #expect(pnl.totalPnl == 8)
        // Default 100,000 of paper cash: + 5 realized - 1 fee - 2 × 10 held = 99,984; equity 100,000 + 8.
        #expect(pnl.startingCash == 100_000)
        #expect(pnl.cash == 99_984)
        #expect(pnl.equity == 100_008)
    }

    @Test func aShortAddsItsProceedsToCash() {
        let bot = Bot(
            id: 1, name: "b", ticker: "X", exchange: "E", strategy: "s", config: ["cash": .number(1_000)],
            status: .active, createdAt: t, updatedAt: t)
        let position = Position.flat(botId: 1, at: t).applying(side: .sell, quantity: 3, price: 50, fee: 0.5, at: t)
        let pnl = BotPnL(bot: bot, position: position, lastPrice: 40)
        #expect(pnl.cash == 1_000 - 0.5 + 150)  // 1,149.5
        #expect(pnl.unrealizedPnl == 30)
        #expect(pnl.equity == 1_000 + 30 - 0.5)
    }
}
