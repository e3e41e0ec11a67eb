import TickwireModel
import TickwireService
import TickwireStore

/// Starts and stops trading-model sessions for the routes, on any node of a cluster: both are writes to the store
/// (the session's row and its first or last event), and the node that runs the engine runs the agent as it learns of
/// them through the hub (`Engine.adopt`). A model's `config` is checked here, before a session is opened.
public struct ModelSessions: ModelSessionControl {
    let service: TradingService
    let configuration: EngineConfiguration

    public init(service: TradingService, configuration: EngineConfiguration) {
        self.service = service
        self.configuration = configuration
    }

    public func startSession(modelId: Int64, by actor: Actor) async throws -> ModelSession {
        let model = try await service.model(id: modelId, by: actor)
        _ = try Engine.SessionSettings(policy: model.policy, model.config, configuration: configuration)
        return try await service.startModelSession(modelId: modelId, by: actor)
    }

    public func stopSession(modelId: Int64, by actor: Actor) async throws -> ModelSession {
        try await service.stopModelSession(modelId: modelId, by: actor)
    }
}
