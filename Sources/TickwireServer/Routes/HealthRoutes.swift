import Hummingbird
import TickwireStore

/// `/health`: the process answers (liveness). `/ready`: the database answers too (readiness).
struct HealthRoutes {
    let store: any StoreReader

    func register(on router: Router<TickwireRequestContext>) {
        router.get("health", use: health)
        router.get("ready", use: ready)
    }

    @Sendable func health(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(["status": "ok"])
    }

    @Sendable func ready(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try await store.checkReachable()
        return try JSONResponse.make(["status": "ready"])
    }
}
