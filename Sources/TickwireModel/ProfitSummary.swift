/// Profit by period (day, week, month in the user's time zone), by instrument, and in total, from closed round-trip
/// trades: what freqtrade's `/daily`, `/weekly`, `/monthly` and `/performance` answer, for all of a user's bots.
public struct ProfitSummary: Codable, Sendable, Equatable {
    public enum Grouping: String, ClosedSet, CaseIterable, Sendable {
        public init(from decoder: any Decoder) throws { self = try Self.decodeClosedSet(from: decoder) }
        case day, week, month
    }

    public struct Period: Codable, Sendable, Equatable {
        /// `2026-12-06` (day), the Monday that starts the week (week), `2026-12` (month), in the chosen zone.
        public var period: String
        public var profit: Double
        /// Profit over the starting cash of the bots counted, in percent.
        public var profitPct: Double
        public var tradeCount: Int
        public var winRatePct: Double

        enum CodingKeys: String, CodingKey {
            case period, profit
            case profitPct = "profit_pct"
            case tradeCount = "trade_count"
            case winRatePct = "win_rate_pct"
        }
    }

    public struct Instrument: Codable, Sendable, Equatable {
        public var ticker: String
        public var exchange: String
        public var profit: Double
        public var tradeCount: Int
        public var winRatePct: Double
        /// The mean of the trades' returns, in percent.
        public var averageReturnPct: Double

        enum CodingKeys: String, CodingKey {
            case ticker, exchange, profit
            case tradeCount = "trade_count"
            case winRatePct = "win_rate_pct"
            case averageReturnPct = "average_return_pct"
        }
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var profit: Double
        public var profitPct: Double
        public var tradeCount: Int
        public var winRatePct: Double
        public var fees: Double
        public var openTradeCount: Int
        public var startingCash: Double

        enum CodingKeys: String, CodingKey {
            case profit, fees
            case profitPct = "profit_pct"
            case tradeCount = "trade_count"
            case winRatePct = "win_rate_pct"
            case openTradeCount = "open_trade_count"
            case startingCash = "starting_cash"
        }
    }

    public var group: Grouping
    public var timeZone: String
    /// Oldest first.
    public var periods: [Period]
    /// Most profitable first.
    public var instruments: [Instrument]
    public var totals: Totals

    enum CodingKeys: String, CodingKey {
        case group, periods, instruments, totals
        case timeZone = "time_zone"
    }

    /// - Parameters:
    ///   - trades: every trade of the bots counted (open ones count only as open).
    ///   - startingCash: the sum of those bots' starting cash, the base of the percentages.
    ///   - offset: the zone's offset from UTC at a moment, in seconds (it changes with daylight saving time).
    public static func make(
        _ trades: [RoundTrip], startingCash: Double, group: Grouping, timeZone: String,
        offset: (Timestamp) -> Int
    ) -> ProfitSummary {
        let closed = trades.filter { !$0.isOpen && $0.closedAt != nil }
        var byPeriod: [String: [RoundTrip]] = [:]
        for trade in closed {
            guard let closedAt = trade.closedAt else { continue }
            byPeriod[label(closedAt, group: group, offset: offset(closedAt)), default: []].append(trade)
        }
        let percent = { (profit: Double) in startingCash > 0 ? profit / startingCash * 100 : 0 }
        let periods = byPeriod.keys.sorted().map { key in
            let trades = byPeriod[key] ?? []
            let profit = trades.reduce(0) { $0 + $1.pnl }
            return Period(
                period: key, profit: profit, profitPct: percent(profit), tradeCount: trades.count,
                winRatePct: winRate(trades))
        }
        let byInstrument = Dictionary(grouping: closed) { "\($0.exchange)\u{0}\($0.ticker)" }
        let instruments = byInstrument.values.compactMap { trades -> Instrument? in
            guard let first = trades.first else { return nil }
            return Instrument(
                ticker: first.ticker, exchange: first.exchange, profit: trades.reduce(0) { $0 + $1.pnl },
                tradeCount: trades.count, winRatePct: winRate(trades),
                averageReturnPct: trades.reduce(0) { $0 + $1.returnPct } / Double(trades.count))
        }.sorted { ($0.profit, $1.ticker) > ($1.profit, $0.ticker) }
        let profit = closed.reduce(0) { $0 + $1.pnl }
        let totals = Totals(
            profit: profit, profitPct: percent(profit), tradeCount: closed.count, winRatePct: winRate(closed),
            fees: trades.reduce(0) { $0 + $1.fees }, openTradeCount: trades.count { $0.isOpen },
            startingCash: startingCash)
        return ProfitSummary(
            group: group, timeZone: timeZone, periods: periods, instruments: instruments, totals: totals)
    }

    /// A winning trade made money after fees.
    static func winRate(_ trades: [RoundTrip]) -> Double {
        trades.isEmpty ? 0 : Double(trades.count { $0.pnl > 0 }) / Double(trades.count) * 100
    }

    /// The period holding `time` in a zone `offset` seconds from UTC.
    static func label(_ time: Timestamp, group: Grouping, offset: Int) -> String {
        let local = time.milliseconds.addingSaturating(Int64(offset) * 1000)
        let days = local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
        switch group {
        case .day:
            return date(days)
        case .week:
            // 1970-01-01 was a Thursday: Monday is 3 days before it.
            let sinceMonday = ((days + 3) % 7 + 7) % 7
            return date(days - sinceMonday)
        case .month:
            let (year, month, _) = Timestamp.civil(fromDays: days)
            return "\(year)-\(month < 10 ? "0" : "")\(month)"
        }
    }

    static func date(_ days: Int64) -> String {
        let (year, month, day) = Timestamp.civil(fromDays: days)
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }
}
