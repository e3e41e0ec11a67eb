import Hummingbird
import TickwireHub
import TickwireModel
import TickwireService
import TickwireStore

/// `/health`: the process answers (liveness). `/ready`: each dependency, with a reason when one is not (readiness;
/// 503 until the database answers).
struct HealthRoutes {
    let service: TradingService
    let hub: Hub
    let agents: AgentDesk?

    func register(on router: Router<TickwireRequestContext>) {
        router.get("health", use: health)
        router.get("ready", use: ready)
    }

    @Sendable func health(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        try JSONResponse.make(["status": "ok"])
    }

    /// `{"status": "ready" | "not_ready", "checks": {"database": {...}, "hub": {...}, "engine": {...}}}`. Only the
    /// database decides the status: a node serves whichever node runs the engine.
    @Sendable func ready(_ request: Request, context: TickwireRequestContext) async throws -> Response {
        var checks: [String: JSONValue] = [:]
        var ready = true
        do {
            try await service.reader.checkReachable()
            checks["database"] = .object(["ok": .bool(true)])
        } catch {
            ready = false
            checks["database"] = .object(["ok": .bool(false), "reason": .string("\(error)")])
        }
        checks["hub"] = .object([
            "ok": .bool(true), "head_event_id": .string(String(hub.head)),
            "subscribers": .number(Double(hub.subscriberCount)),
        ])
        checks["engine"] = await engineCheck()
        let body: [String: JSONValue] = ["status": .string(ready ? "ready" : "not_ready"), "checks": .object(checks)]
        return try JSONResponse.make(body, status: ready ? .ok : .serviceUnavailable)
    }

    /// Which node holds the engine lease (on PostgreSQL one node of the cluster runs the engine; an embedded database
    /// is this process's), and the agents connected here. Without a holder the check fails with the reason.
    func engineCheck() async -> JSONValue {
        guard let agents else {
            return .object(["ok": .bool(true), "reason": .string("this server runs without the engine")])
        }
        let connected = JSONValue.number(Double(await agents.connectedAgents))
        do {
            switch try await service.engineLeaseHolder() {
            case .thisNode:
                return .object(["ok": .bool(true), "lease": .string("this_node"), "agents_connected": connected])
            case .otherNode(let session, let address):
                return .object([
                    "ok": .bool(true), "lease": .string("other_node"),
                    "holder": .object([
                        "database_session": .number(Double(session)), "address": address.map { .string($0) } ?? .null,
                    ]),
                    "agents_connected": connected,
                ])
            case .nobody:
                return .object([
                    "ok": .bool(false), "lease": .string("vacant"),
                    "reason": .string("no node holds the engine lease: an engine is starting or taking over"),
                ])
            }
        } catch {
            return .object(["ok": .bool(false), "reason": .string("the engine lease could not be read: \(error)")])
        }
    }
}
