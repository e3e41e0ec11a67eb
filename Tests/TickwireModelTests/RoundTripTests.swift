import Testing
import TickwireTestSupport

@testable import TickwireModel

/// Round-trip trades from fills, each case worked out by hand.
@Suite struct RoundTripTests {
    /// Fills of bot 3, a second apart, ids from 1.
    static func fills(_ steps: [(OrderSide, Double, Double, Double)]) -> [Fill] {
        steps.enumerated().map { index, step in
            Fill(
                id: Int64(index + 1), orderId: Int64(index + 1), botId: 3, side: step.0, quantity: step.1,
                price: step.2, fee: step.3, timestamp: Timestamp(milliseconds: 1_000 * Int64(index + 1)))
        }
    }

    static func trades(_ steps: [(OrderSide, Double, Double, Double)]) -> [RoundTrip] {
        RoundTrips.group(fills(steps), ticker: "BTC/USDT", exchange: "paper")
    }

    static func near(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-9 } ?? false }

    @Test func aLongInAndOut() throws {
        let trades = Self.trades([(.buy, 1, 100, 0.1), (.sell, 1, 110, 0.11)])
        let trade = try #require(trades.first)
        #expect(trades.count == 1)
        #expect(trade.direction == .long)
        #expect(!trade.isOpen)
        #expect(trade.id == 1)
        #expect(trade.entryPrice == 100)
        #expect(trade.exitPrice == 110)
        #expect(Self.near(trade.grossPnl, 10))
        #expect(Self.near(trade.fees, 0.21))
        #expect(Self.near(trade.pnl, 9.79))
        #expect(Self.near(trade.returnPct, 9.79), "9.79 on 100 of entries")
        #expect(trade.closedAt == Timestamp(milliseconds: 2_000))
        #expect(trade.durationSeconds == 1)
        #expect(trade.fillCount == 2)
    }

    @Test func scaleInThenExitInParts() throws {
        // Average entry 105; 0.5 out at 120 (+7.5), 1.5 out at 100 (-7.5).
        let trades = Self.trades([(.buy, 1, 100, 0), (.buy, 1, 110, 0), (.sell, 0.5, 120, 0), (.sell, 1.5, 100, 0)])
        let trade = try #require(trades.first)
        #expect(trades.count == 1)
        #expect(trade.size == 2)
        #expect(trade.entryPrice == 105)
        #expect(Self.near(trade.exitPrice, 105), "(0.5 × 120 + 1.5 × 100) / 2")
        #expect(Self.near(trade.grossPnl, 0))
        #expect(trade.fillCount == 4)
        #expect(!trade.isOpen)
    }

    @Test func aFillThatCrossesZeroClosesOneTradeAndOpensTheNext() throws {
        // Long 2 at 100; sell 3 at 90: the long closes (-20, fees 0.2 + 2/3 of 0.3), a short of 1 opens at 90 (fee
        // 0.1); buy 1 at 80 closes it (+10, fees 0.1 + 0.05).
        let trades = Self.trades([(.buy, 2, 100, 0.2), (.sell, 3, 90, 0.3), (.buy, 1, 80, 0.05)])
        #expect(trades.count == 2)
        let long = try #require(trades.first)
        let short = try #require(trades.last)
        #expect(long.direction == .long)
        #expect(Self.near(long.grossPnl, -20))
        #expect(Self.near(long.fees, 0.4))
        #expect(Self.near(long.pnl, -20.4))
        #expect(long.closedAt == Timestamp(milliseconds: 2_000))
        #expect(short.direction == .short)
        #expect(short.id == 2, "opened by the crossing fill")
        #expect(short.size == 1)
        #expect(short.entryPrice == 90)
        #expect(Self.near(short.grossPnl, 10))
        #expect(Self.near(short.fees, 0.15))
        #expect(Self.near(short.returnPct, 9.85 / 90 * 100))
        #expect(!short.isOpen)
    }

    @Test func aTradeStillOpenIsMarkedSo() throws {
        let trades = Self.trades([(.buy, 2, 100, 0), (.sell, 0.5, 104, 0)])
        let trade = try #require(trades.first)
        #expect(trade.isOpen)
        #expect(trade.closedAt == nil)
        #expect(trade.openQuantity == 1.5)
        #expect(Self.near(trade.grossPnl, 2), "realized on the half that was sold")
        #expect(trade.exitPrice == 104)
    }

    @Test func partialFillsThatAddUpToZeroCloseTheTrade() {
        // 0.1 + 0.2 is not 0.3 in binary floating point.
        let trades = Self.trades([(.buy, 0.1, 10, 0), (.buy, 0.2, 10, 0), (.sell, 0.3, 11, 0), (.buy, 1, 12, 0)])
        #expect(trades.count == 2)
        #expect(trades.first?.isOpen == false)
        #expect(trades.last?.isOpen == true)
        #expect(trades.last?.id == 4)
    }

    @Test func noFillsNoTrades() {
        #expect(Self.trades([]).isEmpty)
    }
}

/// What a fill tells about trades: opened from flat, closed to flat, both when it crosses zero.
@Suite struct TradeChangeTests {
    static func events(_ before: Double, _ after: Double, realized: Double = 0) -> [EventDraft] {
        let bot = Fixtures.bot()
        let start = Position(botId: bot.id, quantity: before, avgEntryPrice: 100, updatedAt: Fixtures.t0)
        let end = Position(
            botId: bot.id, quantity: after, avgEntryPrice: 100, realizedPnl: realized, updatedAt: Fixtures.t1)
        return TradeChange.events(bot: bot, before: start, after: end, price: 110, at: Fixtures.t1)
    }

    @Test func openingClosingAndCrossing() {
        #expect(Self.events(0, 2).map(\.type) == [.tradeOpened])
        #expect(Self.events(2, 3).isEmpty, "scaling in")
        #expect(Self.events(3, 1).isEmpty, "a partial exit")
        let closed = Self.events(1, 0, realized: 10)
        #expect(closed.map(\.type) == [.tradeClosed])
        #expect(closed.first?.data.contains(#""realized_pnl":10"#) == true)
        #expect(closed.first?.data.contains(#""direction":"long""#) == true)
        let crossed = Self.events(2, -1)
        #expect(crossed.map(\.type) == [.tradeClosed, .tradeOpened])
        #expect(crossed.last?.data.contains(#""direction":"short""#) == true)
    }
}

/// The trade counts a position keeps as fills arrive are those of grouping all its fills afterwards.
@Suite struct PositionTradeCountTests {
    @Test(arguments: 0..<200) func countsAgreeWithRoundTrips(seed: UInt64) {
        var random = SplitMix(seed: seed)
        let steps = (0..<Int(random.next() % 12 + 1)).map { _ -> (OrderSide, Double, Double, Double) in
            let side: OrderSide = random.next() % 2 == 0 ? .buy : .sell
            let quantity = Double(random.next() % 4 + 1)
            let price = 90 + Double(random.next() % 21)
            return (side, quantity, price, Double(random.next() % 3) * 0.5)
        }
        var position = Position.flat(botId: 3, at: Timestamp(milliseconds: 0))
        for step in steps {
            position = position.applying(
                side: step.0, quantity: step.1, price: step.2, fee: step.3, at: Timestamp(milliseconds: 0))
        }
        let closed = RoundTripTests.trades(steps).filter { !$0.isOpen }
        #expect(position.closedTrades == closed.count, "\(steps)")
        #expect(position.winningTrades == closed.filter { $0.pnl > 0 }.count, "\(steps)")
        if let open = RoundTripTests.trades(steps).last, open.isOpen {
            #expect(abs(position.tradePnl - open.pnl) < 1e-9, "\(steps)")
        }
    }

    @Test func drawdownCountsTheEquityNow() {
        let bot = Bot(
            id: 3, name: "b", ticker: "T", exchange: "paper", strategy: "manual", config: [:], status: .active,
            createdAt: Timestamp(milliseconds: 0), updatedAt: Timestamp(milliseconds: 0))
        var position = Position.flat(botId: 3, at: Timestamp(milliseconds: 0))
        position = position.applying(side: .buy, quantity: 100, price: 100, fee: 0, at: Timestamp(milliseconds: 0))
        position.peakEquity = 100_000
        position.maxDrawdownPct = 2
        #expect(BotPnL(bot: bot, position: position, lastPrice: 99).maxDrawdownPct == 2)
        #expect(abs(BotPnL(bot: bot, position: position, lastPrice: 70).maxDrawdownPct - 3) < 1e-9)
        #expect(abs(BotPnL(bot: bot, position: position, lastPrice: 70).returnPct - -3) < 1e-9)
    }
}
