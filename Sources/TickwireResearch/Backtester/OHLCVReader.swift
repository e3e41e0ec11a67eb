import TickwireModel

/// Reads OHLCV bars from CSV text: a header row naming `open`, `high`, `low`, `close` and optionally `volume` in any
/// case, and a time column (named `date`, `datetime`, `time` or `timestamp`, or the unnamed first column pandas
/// writes) holding ISO dates or datetimes (UTC unless they carry an offset) or epoch seconds or milliseconds. Times
/// must increase. A bad row is refused with its line number, and nothing is returned half-read.
public enum OHLCVReader {
    public static func read(_ text: String) throws(ValidationError) -> Bars {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, String(last).trimmingWhitespace.isEmpty { lines.removeLast() }
        guard let headerLine = lines.first else { throw ValidationError("csv", "the file is empty") }
        let header = fields(headerLine).map { $0.lowercased() }
        func column(_ names: [String]) -> Int? { header.firstIndex { names.contains($0) } }
        guard let open = column(["open"]), let high = column(["high"]), let low = column(["low"]),
            let close = column(["close"])
        else { throw ValidationError("csv", "line 1: the header must name open, high, low and close") }
        let volume = column(["volume"])
        let timeColumn =
            column(["date", "datetime", "time", "timestamp", "index"]) ?? (header.first == "" ? 0 : nil)
        guard let timeColumn else {
            throw ValidationError("csv", "line 1: no time column (date, datetime, time or timestamp)")
        }
        let width = header.count
        var bars = Bars(times: [], open: [], high: [], low: [], close: [], volume: [])
        bars.times.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated().dropFirst() {
            let number = index + 1
            if String(line).trimmingWhitespace.isEmpty { continue }
            let values = fields(line)
            guard values.count == width else {
                throw ValidationError("csv", "line \(number): expected \(width) fields, got \(values.count)")
            }
            guard let time = parseTime(values[timeColumn]) else {
                throw ValidationError(
                    "csv", "line \(number): '\(values[timeColumn])' is not a date, datetime or epoch time")
            }
            if let previous = bars.times.last, time <= previous {
                throw ValidationError("csv", "line \(number): times must increase")
            }
            func price(_ column: Int, _ name: String) throws(ValidationError) -> Double {
                guard let value = Double(values[column]), value.isFinite, value >= 0, value <= 1e15 else {
                    throw ValidationError("csv", "line \(number): \(name) '\(values[column])' is not a price")
                }
                return value
            }
            let (o, h, l, c) = (
                try price(open, "open"), try price(high, "high"), try price(low, "low"), try price(close, "close")
            )
            guard l > 0, l <= min(o, c), h >= max(o, c) else {
                throw ValidationError("csv", "line \(number): prices must satisfy 0 < low <= open, close <= high")
            }
            bars.times.append(time)
            bars.open.append(o)
            bars.high.append(h)
            bars.low.append(l)
            bars.close.append(c)
            bars.volume.append(try volume.map { (column) throws(ValidationError) in try price(column, "volume") } ?? 0)
        }
        guard bars.count > 0 else { throw ValidationError("csv", "no bars after the header") }
        return bars
    }

    static func fields(_ line: Substring) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { field in
            var text = String(String(field).trimmingWhitespace)
            if text.count >= 2, text.first == "\"", text.last == "\"" { text = String(text.dropFirst().dropLast()) }
            return text
        }
    }

    /// Epoch milliseconds of an ISO date or datetime (with `T` or a space; UTC unless it has an offset), or of epoch
    /// seconds (below 10^11) or milliseconds.
    /// Epoch milliseconds of a time as the time column may hold it (for `--from` and `--to` too).
    public static func time(_ text: String) -> Int64? { parseTime(text) }

    static func parseTime(_ text: String) -> Int64? {
        if !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), let number = Int64(text) {
            return number < 100_000_000_000 ? number.multipliedReportingOverflow(by: 1000).partialValue : number
        }
        if let parsed = Timestamp(iso8601: text) { return parsed.milliseconds }
        if text.utf8.count == 10, let parsed = Timestamp(iso8601: text + "T00:00:00Z") { return parsed.milliseconds }
        if let parsed = Timestamp(iso8601: text + "Z") { return parsed.milliseconds }
        return nil
    }
}
