import Testing
import TickwireModel

@Suite struct OrderCommandsTests {
    @Test func aNewOrderIsNewAndUnfilled() {
        let creation = OrderCommands.create(
            NewOrder(side: .sell, type: .limit, quantity: 2, price: 101), botId: 3, at: Fixtures.t1)
        #expect(creation.row.status == .new)
        #expect(creation.row.filledQuantity == 0)
        let decision = creation.saved(11)
        #expect(decision.value.id == 11)
        #expect(decision.events.map(\.type) == [.orderUpdate])
        #expect(decision.events[0].botId == 3)
    }

    @Test func aStatusChangeWithoutAFillSettlesNothing() throws {
        let transition = try OrderCommands.update(Fixtures.order(), OrderPatch(status: .canceled), at: Fixtures.t1)
        let settlement = OrderCommands.settle(
            transition, bot: Fixtures.bot(), position: Fixtures.position(quantity: 0), lastPrice: 100, at: Fixtures.t1)
        #expect(settlement == nil)
        #expect(OrderCommands.events(transition, settlement: nil).map(\.type) == [.orderUpdate])
    }

    @Test func aFillRecordsItselfMovesThePositionAndRepricesTheBot() throws {
        let transition = try OrderCommands.update(
            Fixtures.order(side: .buy, quantity: 4), OrderPatch(fill: FillRequest(quantity: 4, price: 110, fee: 0.5)),
            at: Fixtures.t1)
        let settlement = try #require(
            OrderCommands.settle(
                transition, bot: Fixtures.bot(), position: Fixtures.position(quantity: 4, entry: 100), lastPrice: 120,
                at: Fixtures.t1))
        #expect(settlement.fill.quantity == 4)
        #expect(settlement.fill.price == 110)
        #expect(settlement.fill.fee == 0.5)
        #expect(settlement.fill.timestamp == Fixtures.t1)
        #expect(settlement.position.quantity == 8)
        #expect(settlement.position.avgEntryPrice == 105)
        #expect(settlement.position.fees == 0.5)
        let events = OrderCommands.events(transition, settlement: settlement)
        #expect(events.map(\.type) == [.orderUpdate, .orderFilled, .pnlUpdate])
        let pnl = Fixtures.payload(events[2])
        #expect(pnl["position_quantity"] == .number(8))
        #expect(pnl["unrealized_pnl"] == .number(120))  // (120 - 105) × 8
    }

    @Test func aSellAgainstALongRealizesProfit() throws {
        let transition = try OrderCommands.update(
            Fixtures.order(side: .sell, quantity: 3), OrderPatch(fill: FillRequest(quantity: 3, price: 130)),
            at: Fixtures.t1)
        let settlement = try #require(
            OrderCommands.settle(
                transition, bot: Fixtures.bot(), position: Fixtures.position(quantity: 5, entry: 100), lastPrice: 130,
                at: Fixtures.t1))
        #expect(settlement.position.quantity == 2)
        #expect(settlement.position.realizedPnl == 90)
        #expect(settlement.position.avgEntryPrice == 100)
    }

    @Test func aFillLargerThanTheRestIsRefused() {
        #expect(throws: CommandConflict.self) {
            try OrderCommands.update(
                Fixtures.order(quantity: 1), OrderPatch(fill: FillRequest(quantity: 2, price: 1)), at: Fixtures.t1)
        }
    }
}
