/// Bounds of the hub. Defaults suit a dashboard server with thousands of subscribers.
public struct HubConfiguration: Sendable {
    /// Recent events kept in memory for resume; older positions are read from the store's event log.
    public var historySize: Int
    /// A subscriber more than this many events behind is dropped with `slow_consumer`.
    public var maxQueuedEvents: Int
    /// ... or more than this many bytes behind.
    public var maxQueuedBytes: Int

    public init(historySize: Int = 4096, maxQueuedEvents: Int = 8192, maxQueuedBytes: Int = 8 << 20) {
        self.historySize = historySize
        self.maxQueuedEvents = maxQueuedEvents
        self.maxQueuedBytes = maxQueuedBytes
    }
}
