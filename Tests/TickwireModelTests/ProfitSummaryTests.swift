import Testing

@testable import TickwireModel

/// Profit by period across a time-zone boundary, worked out by hand.
@Suite struct ProfitSummaryTests {
    static func trade(
        _ id: Int64, pnl: Double, closedAt iso: String?, ticker: String = "BTC/USDT", returnPct: Double = 1,
        fees: Double = 0
    ) -> RoundTrip {
        let closed = iso.flatMap(Timestamp.init(iso8601:))
        return RoundTrip(
            id: id, botId: 1, ticker: ticker, exchange: "paper", direction: .long, isOpen: closed == nil,
            openedAt: Timestamp(milliseconds: 0), closedAt: closed, size: 1, openQuantity: closed == nil ? 1 : 0,
            entryPrice: 100, exitPrice: closed == nil ? nil : 100 + pnl, grossPnl: pnl + fees, fees: fees, pnl: pnl,
            returnPct: returnPct, durationSeconds: 0, fillCount: 2)
    }

    static let trades = [
        // 2026-03-01 02:00 UTC is 2026-02-28 21:00 in New York (UTC-5).
        trade(1, pnl: 10, closedAt: "2026-03-01T02:00:00.000Z", fees: 0.5),
        trade(2, pnl: -4, closedAt: "2026-03-01T15:00:00.000Z", ticker: "ETH/USDT", returnPct: -2),
        trade(3, pnl: 6, closedAt: "2026-03-02T12:00:00.000Z", returnPct: 3),
        trade(4, pnl: 0, closedAt: nil, fees: 0.25),
    ]

    static func summary(_ group: ProfitSummary.Grouping, offset: Int) -> ProfitSummary {
        ProfitSummary.make(trades, startingCash: 1_000, group: group, timeZone: "Z") { _ in offset }
    }

    @Test func daysInUTCAndInNewYork() {
        let utc = Self.summary(.day, offset: 0)
        #expect(utc.periods.map(\.period) == ["2026-03-01", "2026-03-02"])
        #expect(utc.periods.map(\.profit) == [6, 6])
        #expect(utc.periods.first?.tradeCount == 2)
        #expect(utc.periods.first?.winRatePct == 50)
        #expect(utc.periods.first?.profitPct == 0.6, "6 on 1,000 of starting cash")
        let newYork = Self.summary(.day, offset: -5 * 3600)
        #expect(newYork.periods.map(\.period) == ["2026-02-28", "2026-03-01", "2026-03-02"])
        #expect(newYork.periods.map(\.profit) == [10, -4, 6])
    }

    @Test func monthsAndWeeksFollowTheZone() {
        #expect(Self.summary(.month, offset: 0).periods.map(\.period) == ["2026-03"])
        #expect(Self.summary(.month, offset: -5 * 3600).periods.map(\.period) == ["2026-02", "2026-03"])
        // 2026-03-01 is a Sunday: its week starts on Monday 2026-02-23; Monday 2026-03-02 starts the next.
        #expect(Self.summary(.week, offset: 0).periods.map(\.period) == ["2026-02-23", "2026-03-02"])
        #expect(Self.summary(.week, offset: 0).periods.map(\.tradeCount) == [2, 1])
    }

    @Test func instrumentsAndTotals() {
        let summary = Self.summary(.day, offset: 0)
        #expect(summary.instruments.map(\.ticker) == ["BTC/USDT", "ETH/USDT"], "most profitable first")
        #expect(summary.instruments.first?.profit == 16)
        #expect(summary.instruments.first?.averageReturnPct == 2)
        #expect(summary.instruments.last?.winRatePct == 0)
        #expect(summary.totals.profit == 12)
        #expect(summary.totals.tradeCount == 3)
        #expect(abs(summary.totals.winRatePct - 200.0 / 3) < 1e-9)
        #expect(summary.totals.openTradeCount == 1)
        #expect(summary.totals.fees == 0.75, "open trades' fees count too")
    }
}
