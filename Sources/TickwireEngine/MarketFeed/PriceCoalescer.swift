import TickwireModel

/// Caps how often each ticker's price is published: a feed may tick hundreds of times a second, dashboards need a
/// few updates. A tick inside a ticker's interval replaces the one waiting; `drain(at:)` hands out, per ticker, the
/// newest tick whose interval has passed. Nothing is lost but superseded prices of the same ticker.
public struct PriceCoalescer: Sendable {
    public let interval: Int64
    private var lastPublished: [String: Int64] = [:]
    private var waiting: [String: Tick] = [:]
    /// First-seen order of the waiting tickers, so that output order is deterministic.
    private var order: [String] = []

    /// - Parameter interval: milliseconds between two publications of the same ticker.
    public init(intervalMilliseconds interval: Int64) {
        self.interval = max(0, interval)
    }

    /// Offers a tick at `now`; returns it at once if its ticker may publish now, else keeps it waiting.
    public mutating func offer(_ tick: Tick, now: Timestamp) -> Tick? {
        if let last = lastPublished[tick.ticker], now.milliseconds - last < interval {
            if waiting[tick.ticker] == nil { order.append(tick.ticker) }
            waiting[tick.ticker] = tick
            return nil
        }
        lastPublished[tick.ticker] = now.milliseconds
        if waiting.removeValue(forKey: tick.ticker) != nil { order.removeAll { $0 == tick.ticker } }
        return tick
    }

    /// The waiting ticks whose interval has passed by `now`, in the order their tickers first waited.
    public mutating func drain(now: Timestamp) -> [Tick] {
        var ready: [Tick] = []
        order.removeAll { ticker in
            guard let tick = waiting[ticker], let last = lastPublished[ticker], now.milliseconds - last >= interval
            else { return false }
            ready.append(tick)
            waiting[ticker] = nil
            lastPublished[ticker] = now.milliseconds
            return true
        }
        return ready
    }

    public var waitingCount: Int { waiting.count }
}
