/// The paths of the routes the transport serves in the pipeline. The routes are registered at these paths and the
/// transport is told them (`StreamingConnections`), so the two cannot drift apart.
enum StreamPaths {
    /// The multiplexed SSE stream.
    static let stream = "/api/v1/stream"
    /// The app's WebSocket (seed 001's route).
    static let webSocketApp = "/api/v1/ws/app"
    /// Where external agents answer for their trading models.
    static let webSocketAgent = "/api/v1/ws/agent"
    /// Test-only echo (`--ws-echo`), for the Autobahn conformance suite.
    static let webSocketEcho = "/api/v1/ws/echo"
}
