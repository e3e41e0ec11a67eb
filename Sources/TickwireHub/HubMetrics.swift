import Metrics

/// The hub's counters (swift-metrics; exported by whatever backend the process bootstraps, Prometheus in `serve`).
struct HubMetrics: Sendable {
    let published = Counter(label: "tickwire_hub_events_published_total")
    let replayed = Counter(label: "tickwire_hub_events_replayed_total")
    let resets = Counter(label: "tickwire_hub_resets_total")
    let slowConsumerDrops = Counter(label: "tickwire_hub_drops_total", dimensions: [("reason", "slow_consumer")])
    let subscribers = Meter(label: "tickwire_hub_subscribers")
}

/// Counters the transports keep: bytes actually written to sockets, per transport.
public struct TransportMetrics: Sendable {
    public let delivered: Counter
    public let connections: Meter

    public init(transport: String) {
        delivered = Counter(label: "tickwire_events_delivered_total", dimensions: [("transport", transport)])
        connections = Meter(label: "tickwire_connections", dimensions: [("transport", transport)])
    }
}
