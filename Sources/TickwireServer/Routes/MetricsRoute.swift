import Hummingbird
import Metrics
import Prometheus
import TickwireService

/// `GET /metrics`: every swift-metrics counter, gauge and meter of the process (hub, transports) in the Prometheus
/// text format. Admins only: scrape it with an admin's API key (`Authorization: Bearer twk_...`).
///
/// Figures that live in the database rather than in this process (the backtest queue, shared by every node) are read
/// when the route is scraped, not on a timer.
struct MetricsRoute {
    let registry: PrometheusCollectorRegistry
    let service: TradingService
    static let backtestsQueued = Gauge(label: "tickwire_backtest_queue_depth")
    static let backtestsRunning = Gauge(label: "tickwire_backtest_jobs_running")

    func register(on router: RouterGroup<TickwireRequestContext>) {
        router.get("metrics", use: metrics)
    }

    @Sendable func metrics(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        if let queue = try? await service.backtestQueue() {
            Self.backtestsQueued.record(queue.queued)
            Self.backtestsRunning.record(queue.running)
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: .init(bytes: buffer)))
    }
}
