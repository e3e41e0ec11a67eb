import TickwireModel

extension BacktestResult {
    /// `{"equity", "stats", "trades"}` as the `Encodable` conformance writes it (keys sorted, non-finite numbers as
    /// null), built directly: a long series has one point per bar, and the generic encoder spends tens of
    /// milliseconds on a few thousand of them, far more than the backtest itself.
    public func json() -> String {
        var text = #"{"equity":["#
        text.reserveCapacity(equity.count * 90 + trades.count * 260 + 2_000)
        let drawdown = self.drawdown
        for index in equity.indices {
            if index > 0 { text += "," }
            text += #"{"drawdown_pct":"#
            text += Self.number(drawdown[index] * 100)
            text += #","equity":"#
            text += Self.number(equity[index])
            text += #","time":""#
            text += Timestamp(milliseconds: times[index]).iso8601
            text += #""}"#
        }
        text += #"],"stats":"#
        text += JSONCoding.encodeToString(statistics)
        text += #","trades":["#
        for (index, trade) in trades.enumerated() {
            if index > 0 { text += "," }
            text += #"{"commission":"# + Self.number(trade.commission)
            text += #","duration_days":"# + Self.number(Double(trade.exitTime - trade.entryTime) / 86_400_000)
            text += #","entry_bar":"# + String(trade.entryBar)
            text += #","entry_price":"# + Self.number(trade.entryPrice)
            text += #","entry_time":""# + Timestamp(milliseconds: trade.entryTime).iso8601
            text += #"","exit_bar":"# + String(trade.exitBar)
            text += #","exit_price":"# + Self.number(trade.exitPrice)
            text += #","exit_time":""# + Timestamp(milliseconds: trade.exitTime).iso8601
            text += #"","pnl":"# + Self.number(trade.pnl)
            text += #","return_pct":"# + Self.number(trade.returnFraction * 100)
            text += #","size":"# + Self.number(trade.size)
            text += "}"
        }
        text += "]}"
        return text
    }

    /// A JSON number, or null for NaN and infinities.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(exactly: value) ?? 0) }
        return String(value)
    }
}
