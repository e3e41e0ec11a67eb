import Hummingbird
import Prometheus

/// `GET /metrics`: every swift-metrics counter, gauge and meter of the process (hub, transports) in the Prometheus
/// text format. Admins only: scrape it with an admin's API key (`Authorization: Bearer twk_...`).
struct MetricsRoute {
    let registry: PrometheusCollectorRegistry

    func register(on router: RouterGroup<TickwireRequestContext>) {
        router.get("metrics", use: metrics)
    }

    @Sendable func metrics(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: .init(bytes: buffer)))
    }
}
