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
