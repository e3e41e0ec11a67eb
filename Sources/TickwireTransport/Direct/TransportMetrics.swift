import Metrics

/// Counters the transports keep: bytes actually written to sockets, per transport.
public struct TransportMetrics: Sendable {
    public let delivered: Counter
    public let connections: Meter

    public init(transport: String) {
        delivered = Counter(label: "tickwire_events_delivered_total", dimensions: [("transport", transport)])
        connections = Meter(label: "tickwire_connections", dimensions: [("transport", transport)])
    }
}
