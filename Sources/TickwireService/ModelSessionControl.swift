import TickwireModel

/// Starts and stops trading-model sessions. The engine implements it; the REST routes call it, so the server needs
/// no knowledge of how an agent decides.
public protocol ModelSessionControl: Sendable {
    /// Starts a session of a model the actor may see (`conflict` if one is running).
    func startSession(modelId: Int64, by actor: Actor) async throws -> ModelSession
    /// Stops the running session (`conflict` if none is running) and returns it as ended.
    func stopSession(modelId: Int64, by actor: Actor) async throws -> ModelSession
}

/// Model sessions run where the engine runs: another node of the cluster holds the engine lease, or none does yet.
public struct EngineElsewhere: Error, Sendable {
    public init() {}
}
