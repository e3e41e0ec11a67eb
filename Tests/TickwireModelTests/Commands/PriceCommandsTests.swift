import Testing
import TickwireModel

@Suite struct PriceCommandsTests {
    @Test func pricesWithoutATimestampHappenNowAndInstrumentsComeInFirstSeenOrder() {
        let recording = PriceCommands.record(
            [
                NewPrice(ticker: "ETHUSD", exchange: "paper", price: 10),
                NewPrice(ticker: "BTCUSD", exchange: "paper", price: 20, timestamp: Fixtures.t0),
                NewPrice(ticker: "ETHUSD", exchange: "paper", price: 11),
                NewPrice(ticker: "ETHUSD", exchange: "kraken", price: 12),
            ], at: Fixtures.t1)
        #expect(recording.prices.map(\.timestamp) == [Fixtures.t1, Fixtures.t0, Fixtures.t1, Fixtures.t1])
        #expect(
            recording.instruments == [
                Instrument(ticker: "ETHUSD", exchange: "paper"), Instrument(ticker: "BTCUSD", exchange: "paper"),
                Instrument(ticker: "ETHUSD", exchange: "kraken"),
            ])
    }

    @Test func everyPriceIsAnEventThenEveryHolderIsRepriced() {
        let recording = PriceCommands.record(
            [NewPrice(ticker: "BTCUSD", exchange: "paper", price: 150)], at: Fixtures.t1)
        let decision = recording.decide(holdings: [
            PriceCommands.Holding(
                lastPrice: 150,
                holders: [
                    (Fixtures.bot(id: 1), Fixtures.position(botId: 1, quantity: 2, entry: 100)),
                    (Fixtures.bot(id: 2), Fixtures.position(botId: 2, quantity: 0)),
                    (Fixtures.bot(id: 4), Fixtures.position(botId: 4, quantity: -1, entry: 100)),
                ])
        ])
        #expect(decision.events.map(\.type) == [.priceUpdate, .pnlUpdate, .pnlUpdate])
        #expect(decision.events.compactMap(\.botId) == [1, 4])
        #expect(Fixtures.payload(decision.events[1])["unrealized_pnl"] == .number(100))
        #expect(Fixtures.payload(decision.events[2])["unrealized_pnl"] == .number(-50))
    }
}
