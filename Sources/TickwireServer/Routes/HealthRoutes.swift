import Hummingbird
import TickwireHub
import TickwireModel
import TickwireService
import TickwireStore

/// `/health`: the process answers (liveness). `/ready`: each dependency, with a reason when one is not (readiness;
/// 503 until the database answers).
struct HealthRoutes {
    let store: any StoreReader
    let hub: Hub
    let agents: AgentDesk?

    func register(on router: Router<TickwireRequestContext>) {
        router.get("health", use: health)
        router.get("ready", use: ready)
    }

    @Sendable func health(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(["status": "ok"])
    }

    /// `{"status": "ready" | "not_ready", "checks": {"database": {...}, "hub": {...}, "agents": {...}}}`.
    @Sendable func ready(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        var checks: [String: JSONValue] = [:]
        var ready = true
        do {
            try await store.checkReachable()
            checks["database"] = .object(["ok": .bool(true)])
        } catch {
            ready = false
            checks["database"] = .object(["ok": .bool(false), "reason": .string("\(error)")])
        }
        checks["hub"] = .object([
            "ok": .bool(true), "head_event_id": .string(String(hub.head)),
            "subscribers": .number(Double(hub.subscriberCount)),
        ])
        if let agents {
            checks["engine"] = .object([
                "ok": .bool(true), "agents_connected": .number(Double(await agents.connectedAgents)),
            ])
        } else {
            checks["engine"] = .object(["ok": .bool(true), "reason": .string("this server runs without the engine")])
        }
        let body: [String: JSONValue] = ["status": .string(ready ? "ready" : "not_ready"), "checks": .object(checks)]
        return try JSONResponse.make(body, status: ready ? .ok : .serviceUnavailable)
    }
}
