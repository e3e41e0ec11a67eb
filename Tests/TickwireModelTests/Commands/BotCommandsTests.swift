import Testing
import TickwireModel

@Suite struct BotCommandsTests {
    @Test func aNewBotIsStoppedWithAnEmptyConfigAndAnnouncedOnceSaved() {
        let creation = BotCommands.create(
            NewBot(name: "b", ticker: "ETHUSD", exchange: "paper", strategy: "sma", ownerId: 4), at: Fixtures.t1)
        #expect(creation.row.status == .stopped)
        #expect(creation.row.config == [:])
        #expect(creation.row.createdAt == Fixtures.t1)
        let decision = creation.saved(42)
        #expect(decision.value.id == 42)
        #expect(decision.events.map(\.type) == [.botCreated])
        #expect(decision.events[0].topic == .bots)
        #expect(decision.events[0].botId == 42)
    }

    @Test func changingTheTickerOfAFlatBotIsAllowed() throws {
        let decision = try BotCommands.update(
            Fixtures.bot(), BotPatch(ticker: "ETHUSD"), position: Fixtures.position(quantity: 0), at: Fixtures.t1)
        #expect(decision.value.ticker == "ETHUSD")
        #expect(decision.value.updatedAt == Fixtures.t1)
        #expect(decision.events.map(\.type) == [.botUpdated])
    }

    @Test func aBotHoldingAPositionKeepsItsInstrument() {
        for patch in [BotPatch(ticker: "ETHUSD"), BotPatch(exchange: "binance")] {
            #expect(throws: CommandConflict.self) {
                try BotCommands.update(
                    Fixtures.bot(), patch, position: Fixtures.position(quantity: -2), at: Fixtures.t1)
            }
        }
        // Other changes do not touch the instrument.
        #expect(throws: Never.self) {
            try BotCommands.update(
                Fixtures.bot(), BotPatch(name: "renamed", ticker: "BTCUSD"), position: Fixtures.position(quantity: 2),
                at: Fixtures.t1)
        }
    }

    @Test func toggleFlipsActiveAndStoppedAndAnErrorStarts() {
        #expect(BotCommands.toggle(Fixtures.bot(status: .stopped), at: Fixtures.t1).value.status == .active)
        #expect(BotCommands.toggle(Fixtures.bot(status: .active), at: Fixtures.t1).value.status == .stopped)
        let decision = BotCommands.toggle(Fixtures.bot(status: .active), at: Fixtures.t1)
        #expect(decision.events.map(\.type) == [.botUpdated])
        #expect(decision.value.updatedAt == Fixtures.t1)
    }

    @Test func deletionIsAnnouncedToTheOwner() {
        let decision = BotCommands.delete(Fixtures.bot(id: 5))
        #expect(decision.value == 5)
        #expect(decision.events.map(\.type) == [.botDeleted])
        #expect(decision.events[0].ownerId == 9)
    }
}
