import Metrics

/// The hub's counters (swift-metrics; exported by whatever backend the process bootstraps, Prometheus in `serve`).
struct HubMetrics: Sendable {
    let published = Counter(label: "tickwire_hub_events_published_total")
    let replayed = Counter(label: "tickwire_hub_events_replayed_total")
    let resets = Counter(label: "tickwire_hub_resets_total")
    let slowConsumerDrops = Counter(label: "tickwire_hub_drops_total", dimensions: [("reason", "slow_consumer")])
    let subscribers = Meter(label: "tickwire_hub_subscribers")
}
