import TickwireModel

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Wall-clock time for the write path. Tests and the engine's backtests pass their own clock to `TradingService`.
public enum WallClock {
    @Sendable public static func now() -> Timestamp {
        Timestamp(secondsSince1970: Date().timeIntervalSince1970)
    }
}
