import Hummingbird

/// Answers every stream route (SSE and the WebSocket upgrade) with 503 `streaming_disabled` when the server runs with
/// `--no-streaming`: what a proxy that cannot carry streams looks like to a client. Dashboards fall back to polling
/// the REST API, which keeps working.
struct StreamingOffMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        throw APIError(
            .serviceUnavailable, code: "streaming_disabled",
            message: "streaming is switched off on this server; poll the REST API instead")
    }
}
