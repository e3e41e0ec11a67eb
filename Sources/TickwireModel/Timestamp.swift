/// A point in time with millisecond precision, written as ISO 8601 UTC (`2025-01-24T12:00:00.123Z`).
///
/// Stored as integer milliseconds since the Unix epoch so that it sorts and indexes as a plain integer.
/// Formatting and parsing are done here, without Foundation formatters, because they sit on every hot path
/// (each row of every list response and each event).
public struct Timestamp: Sendable, Hashable, Comparable {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// From seconds since the epoch (a `Date`'s or a JWT's), truncated to the millisecond; times outside what an
    /// Int64 of milliseconds holds, and NaN, are clamped rather than trapped on.
    public init(secondsSince1970 seconds: Double) {
        let milliseconds = (seconds * 1000).rounded(.down)
        self.milliseconds =
            milliseconds.isNaN
            ? 0 : Int64(exactly: milliseconds) ?? (milliseconds < 0 ? .min : .max)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    /// ISO 8601 in UTC with exactly three fractional digits.
    public var iso8601: String {
        let ms = milliseconds
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        let (year, month, day) = Self.civil(fromDays: days)

        var out = ""
        out.reserveCapacity(24)
        Self.append(year, width: 4, to: &out)
        out.append("-")
        Self.append(month, width: 2, to: &out)
        out.append("-")
        Self.append(day, width: 2, to: &out)
        out.append("T")
        Self.append(msOfDay / 3_600_000, width: 2, to: &out)
        out.append(":")
        Self.append(msOfDay / 60_000 % 60, width: 2, to: &out)
        out.append(":")
        Self.append(msOfDay / 1000 % 60, width: 2, to: &out)
        out.append(".")
        Self.append(msOfDay % 1000, width: 3, to: &out)
        out.append("Z")
        return out
    }

    private static func append(_ value: Int64, width: Int, to out: inout String) {
        let digits = String(value)
        if digits.count < width { out.append(String(repeating: "0", count: width - digits.count)) }
        out.append(digits)
    }

    /// Year, month (1-12) and day of a count of days from 1970-01-01, in the proleptic Gregorian calendar (Howard
    /// Hinnant's civil_from_days).
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. A date without an offset is refused rather than guessed.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        var index = 0

        func number(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + count] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == character else { return false }
            index += 1
            return true
        }

        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
            index < bytes.count, bytes[index] == 84 || bytes[index] == 116 || bytes[index] == 32
        else { return nil }
        index += 1
        guard let hour = number(2), expect(58), let minute = number(2), expect(58), let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }

        var millis: Int64 = 0
        if expect(46) {
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 3 { millis = millis * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }

        var offsetMinutes: Int64 = 0
        if expect(90) || expect(122) {
            offsetMinutes = 0
        } else if index < bytes.count, bytes[index] == 43 || bytes[index] == 45 {
            let sign: Int64 = bytes[index] == 43 ? 1 : -1
            index += 1
            guard let offsetHours = number(2) else { return nil }
            _ = expect(58)
            guard let offsetMins = number(2), offsetHours < 24, offsetMins < 60 else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMins)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }

        // Days-from-civil (Howard Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        self.milliseconds = seconds * 1000 + millis
    }
}

extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be an ISO 8601 timestamp with a UTC offset, got '\(text)'")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}

extension Timestamp: CustomStringConvertible {
    public var description: String { iso8601 }
}

extension Duration {
    /// The duration in whole milliseconds (truncated; saturating at the ends of `Int64`).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        return whole.addingSaturating(attoseconds / 1_000_000_000_000_000)
    }
}

extension Timestamp {
    /// This moment moved by `duration` (saturating).
    public func adding(_ duration: Duration) -> Timestamp {
        Timestamp(milliseconds: milliseconds.addingSaturating(duration.milliseconds))
    }
}

extension Int64 {
    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other < 0 ? .min : .max) : sum
    }
}
