import Hummingbird

/// API responses describe live trading state: no browser or proxy may keep them (`Cache-Control: no-store`).
/// Conditional requests still work through `ETag` and `If-None-Match` where a route offers them.
struct APIHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
