#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Simple returns, `(x - previous) / previous` (TA-Lib's ROCP with period 1); the first value has none.
public struct Returns: StreamingIndicator {
    private var previous: Double?
    public init() {}
    public var lookback: Int { 1 }
    public mutating func update(_ value: Double) -> Double? {
        defer { previous = value }
        guard let previous else { return nil }
        return previous != 0 ? (value - previous) / previous : 0
    }
}

/// Log returns, `ln(x / previous)`.
public struct LogReturns: StreamingIndicator {
    private var previous: Double?
    public init() {}
    public var lookback: Int { 1 }
    public mutating func update(_ value: Double) -> Double? {
        defer { previous = value }
        guard let previous else { return nil }
        return log(value / previous)
    }
}
