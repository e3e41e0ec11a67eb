/// A request that is well-formed JSON but breaks a domain rule (negative quantity, empty name, ...).
public struct ValidationError: Error, Sendable, Equatable {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// Small helpers shared by the `validate()` methods of request types.
public enum Check {
    /// Limits count Unicode code points, as JSON Schema's `maxLength` does, so at most 4 bytes each; a count of
    /// characters (grapheme clusters) would let one character carry any number of combining code points.
    public static func nonEmpty(_ value: String, _ field: String, maxLength: Int = 200) throws(ValidationError) {
        if value.unicodeScalars.count > maxLength {
            throw ValidationError(field, "must be at most \(maxLength) code points")
        }
        if value.trimmingWhitespace.isEmpty { throw ValidationError(field, "must not be empty") }
    }

    /// An instrument's symbol: it is broadcast to every `prices` subscriber and keys shared market data, so it is
    /// short and of a plain alphabet (`BTC/USDT`, `BRK.B`, `ES=F`, `^GSPC`).
    public static func ticker(_ value: String, _ field: String = "ticker") throws(ValidationError) {
        guard (1...Self.maxTickerLength).contains(value.utf8.count),
            value.utf8.allSatisfy({ byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || Self.tickerPunctuation.contains(byte)
            })
        else {
            throw ValidationError(
                field, "must be 1-\(Self.maxTickerLength) characters of A-Z, a-z, 0-9 and / . - _ : = ^")
        }
    }

    public static let maxTickerLength = 40
    static let tickerPunctuation = Set("/.-_:=^".utf8)

    /// A free-form object from a client (a bot's or model's `config`, an event's `data`): bounded in size and depth
    /// so that storing, encoding and broadcasting it stays cheap, and no recursion over it runs deep. Returns its
    /// JSON, for a caller that stores it.
    @discardableResult
    static func freeForm(_ value: [String: JSONValue], _ field: String, maxBytes: Int) throws(ValidationError)
        -> String
    {
        guard JSONValue.object(value).depth <= JSONValue.maxDepth else {
            throw ValidationError(field, "must nest at most \(JSONValue.maxDepth) levels deep")
        }
        let json = JSONCoding.encodeToString(value)
        guard json.utf8.count <= maxBytes else {
            throw ValidationError(field, "must be at most \(maxBytes) bytes as JSON")
        }
        return json
    }

    /// The largest quantity, price or fee accepted. Products and sums of such values (notional, PnL, averages)
    /// stay far inside Double's range, so every derived number is finite and can be written as JSON.
    static let maxMagnitude = 1e15

    static func positive(_ value: Double, _ field: String) throws(ValidationError) {
        guard value.isFinite else { throw ValidationError(field, "must be a finite number") }
        guard value > 0 else { throw ValidationError(field, "must be greater than 0") }
        guard value <= maxMagnitude else { throw ValidationError(field, "must be at most 1e15") }
    }

    static func nonNegative(_ value: Double, _ field: String) throws(ValidationError) {
        guard value.isFinite else { throw ValidationError(field, "must be a finite number") }
        guard value >= 0 else { throw ValidationError(field, "must not be negative") }
        guard value <= maxMagnitude else { throw ValidationError(field, "must be at most 1e15") }
    }
}

extension String {
    /// The string without leading and trailing whitespace (Unicode's definition).
    public var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return Substring(scalars[first...last])
    }
}

/// A string enum whose decoding error lists the accepted values instead of naming a Swift type.
public protocol ClosedSet: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension ClosedSet {
    static func decodeClosedSet(from decoder: any Decoder) throws -> Self {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            let allowed = allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be one of \(allowed), got '\(text)'")
        }
        return value
    }
}

/// The caller is known but may not do this (HTTP 403). Used where the thing exists for them but the action is not
/// theirs to take (an API key without the `write` scope, a user publishing a system event). Someone else's data
/// answers 404 instead, so its existence does not leak.
public struct AccessDenied: Error, Sendable, Equatable {
    public var code: String
    public var message: String

    public init(_ code: String = "forbidden", _ message: String) {
        self.code = code
        self.message = message
    }
}
