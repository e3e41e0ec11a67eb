import Testing
import TickwireModel

@Suite struct OrderTests {
    let t0 = Timestamp(milliseconds: 1_000)
    let t1 = Timestamp(milliseconds: 2_000)

    func order(status: OrderStatus = .new, quantity: Double = 10, filled: Double = 0, avg: Double? = nil) -> Order {
        Order(
            id: 7, botId: 1, exchangeOrderId: nil, side: .buy, type: .limit, quantity: quantity, price: 100,
            status: status, filledQuantity: filled, avgFillPrice: avg, createdAt: t0, updatedAt: t0)
    }

    @Test func partialThenFullFillAveragesThePrice() throws {
        let first = try OrderCommands.update(order(), OrderPatch(fill: FillRequest(quantity: 4, price: 100)), at: t1)
        #expect(first.order.status == .partiallyFilled)
        #expect(first.order.filledQuantity == 4)
        let second = try OrderCommands.update(
            first.order, OrderPatch(fill: FillRequest(quantity: 6, price: 105)), at: t1)
        #expect(second.order.status == .filled)
        #expect(second.order.filledQuantity == 10)
        #expect(abs(second.order.avgFillPrice! - 103) < 1e-9)
        #expect(second.order.updatedAt == t1)
    }

    @Test func overfillIsAConflict() {
        #expect(throws: CommandConflict.self) {
            try OrderCommands.update(order(filled: 8), OrderPatch(fill: FillRequest(quantity: 3, price: 1)), at: t1)
        }
    }

    @Test func terminalOrdersAcceptNoChange() {
        for status in [OrderStatus.filled, .canceled, .rejected] {
            #expect(throws: CommandConflict.self) {
                try OrderCommands.update(order(status: status), OrderPatch(status: .canceled), at: t1)
            }
            #expect(throws: CommandConflict.self) {
                try OrderCommands.update(
                    order(status: status), OrderPatch(fill: FillRequest(quantity: 1, price: 1)), at: t1)
            }
        }
    }

    @Test func lifecycleTable() {
        #expect(OrderStatus.new.canTransition(to: .canceled))
        #expect(OrderStatus.new.canTransition(to: .rejected))
        #expect(OrderStatus.partiallyFilled.canTransition(to: .canceled))
        #expect(!OrderStatus.partiallyFilled.canTransition(to: .rejected))
        #expect(!OrderStatus.partiallyFilled.canTransition(to: .new))
        #expect(!OrderStatus.filled.canTransition(to: .canceled))
    }

    @Test func fillMarkedFilledMustComplete() {
        #expect(throws: CommandConflict.self) {
            try OrderCommands.update(
                order(), OrderPatch(status: .filled, fill: FillRequest(quantity: 1, price: 1)), at: t1)
        }
    }

    @Test func patchValidation() {
        #expect(throws: ValidationError.self) { try OrderPatch().validate() }
        #expect(throws: ValidationError.self) { try OrderPatch(status: .filled).validate() }
        #expect(throws: ValidationError.self) { try OrderPatch(status: .new).validate() }
        #expect(throws: ValidationError.self) {
            try OrderPatch(fill: FillRequest(quantity: 2.3e307, price: 5e96)).validate()
        }
        #expect(throws: ValidationError.self) {
            try OrderPatch(status: .canceled, fill: FillRequest(quantity: 1, price: 1)).validate()
        }
        #expect(throws: ValidationError.self) { try OrderPatch(fill: FillRequest(quantity: -1, price: 1)).validate() }
        #expect(throws: ValidationError.self) { try OrderPatch(fill: FillRequest(quantity: .nan, price: 1)).validate() }
        #expect(throws: ValidationError.self) {
            try OrderPatch(fill: FillRequest(quantity: 1, price: 1, fee: -0.1)).validate()
        }
    }

    @Test func newOrderValidation() throws {
        try NewOrder(side: .buy, type: .market, quantity: 1).validate()
        #expect(throws: ValidationError.self) { try NewOrder(side: .buy, type: .limit, quantity: 1).validate() }
        #expect(throws: ValidationError.self) { try NewOrder(side: .buy, type: .market, quantity: 0).validate() }
        #expect(throws: ValidationError.self) {
            try NewOrder(side: .buy, type: .market, quantity: .infinity).validate()
        }
        #expect(throws: ValidationError.self) {
            try NewOrder(side: .sell, type: .limit, quantity: 1, price: -5).validate()
        }
    }
}

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
