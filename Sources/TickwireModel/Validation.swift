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
enum Check {
    static func nonEmpty(_ value: String, _ field: String, maxLength: Int = 200) throws(ValidationError) {
        let trimmed = value.trimmingWhitespace
        if trimmed.isEmpty { throw ValidationError(field, "must not be empty") }
        if value.count > maxLength { throw ValidationError(field, "must be at most \(maxLength) characters") }
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
