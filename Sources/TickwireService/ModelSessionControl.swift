import TickwireModel

/// Starts and stops trading-model sessions. The engine module implements it (`ModelSessions`); the REST routes call
/// it, so the server needs no knowledge of how an agent decides.
public protocol ModelSessionControl: Sendable {
    /// Starts a session of a model the actor may see (`conflict` if one is running).
    func startSession(modelId: Int64, by actor: Actor) async throws -> ModelSession
    /// Stops the running session (`conflict` if none is running) and returns it as ended.
    func stopSession(modelId: Int64, by actor: Actor) async throws -> ModelSession
}
