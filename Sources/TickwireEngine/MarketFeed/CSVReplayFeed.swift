import TickwireModel

/// Replays OHLCV bars from CSV text with the header `date,open,high,low,close,volume` (the format every exchange
/// export and backtest data set offers). Each bar becomes four ticks, open → low → high → close for a down bar
/// (open → high → low → close for an up bar), so a limit order inside the bar's range fills as it would have.
///
/// `date` is ISO 8601 (`2024-01-02` or `2024-01-02T09:30:00Z`). Errors name the line.
public struct CSVReplayFeed: Sendable {
    public struct Bar: Sendable, Equatable {
        public var date: Timestamp
        public var open: Double
        public var high: Double
        public var low: Double
        public var close: Double
        public var volume: Double
    }

    public let ticker: String
    public let bars: [Bar]
    private var position = 0

    public init(ticker: String, csv: String) throws(ValidationError) {
        self.ticker = ticker
        var bars: [Bar] = []
        let lines = csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let header = lines.first,
            header.split(separator: ",").map({ String(String($0).trimmingWhitespace).lowercased() })
                == ["date", "open", "high", "low", "close", "volume"]
        else { throw ValidationError("csv", "line 1: the header must be date,open,high,low,close,volume") }
        for (index, line) in lines.enumerated().dropFirst() where !String(line).trimmingWhitespace.isEmpty {
            bars.append(try Self.parse(String(line), number: index + 1))
        }
        guard !bars.isEmpty else { throw ValidationError("csv", "no bars after the header") }
        for index in bars.indices.dropFirst() where bars[index].date.milliseconds <= bars[index - 1].date.milliseconds {
            throw ValidationError("csv", "bars must be in increasing date order (bar \(index + 1))")
        }
        self.bars = bars
    }

    static func parse(_ line: String, number: Int) throws(ValidationError) -> Bar {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
            String(String($0).trimmingWhitespace)
        }
        guard fields.count == 6 else {
            throw ValidationError("csv", "line \(number): expected 6 fields, got \(fields.count)")
        }
        let date: Timestamp
        if let parsed = Timestamp(iso8601: fields[0]) {
            date = parsed
        } else if let parsed = Timestamp(iso8601: fields[0] + "T00:00:00Z") {
            date = parsed
        } else {
            throw ValidationError("csv", "line \(number): '\(fields[0])' is not a date")
        }
        var values: [Double] = []
        for (offset, name) in ["open", "high", "low", "close", "volume"].enumerated() {
            guard let value = Double(fields[offset + 1]), value.isFinite, value >= 0 else {
                throw ValidationError("csv", "line \(number): \(name) '\(fields[offset + 1])' is not a number")
            }
            values.append(value)
        }
        let bar = Bar(date: date, open: values[0], high: values[1], low: values[2], close: values[3], volume: values[4])
        guard bar.low > 0, bar.low <= min(bar.open, bar.close), bar.high >= max(bar.open, bar.close) else {
            throw ValidationError("csv", "line \(number): prices must satisfy 0 < low <= open, close <= high")
        }
        return bar
    }

    /// The next bar's ticks, or nil at the end of the data.
    public mutating func next() -> [Tick]? {
        guard position < bars.count else { return nil }
        let bar = bars[position]
        position += 1
        let path =
            bar.close >= bar.open
            ? [bar.open, bar.low, bar.high, bar.close] : [bar.open, bar.high, bar.low, bar.close]
        return path.enumerated().map { offset, price in
            Tick(
                ticker: ticker, price: price, volume: offset == 3 ? bar.volume : 0,
                timestamp: Timestamp(milliseconds: bar.date.milliseconds + Int64(offset)))
        }
    }
}
