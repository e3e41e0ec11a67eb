import Hummingbird
import Logging

/// Turns every error below it (route, decoding, store, router not-found) into the stable JSON error body.
/// Unexpected errors are logged here with the request id and answered with a bare 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            if let httpError = error as? HTTPError, httpError.status == .notFound, httpError.body == nil {
                return APIError.notFound("no route for \(request.method.rawValue) \(request.uri.path)").response()
            }
            if let apiError = APIError.from(error) {
                // 503 is a state the server chose (shutting down, no engine, streaming off), not a failure.
                if apiError.status == .serviceUnavailable {
                    context.logger.debug("request refused", metadata: ["code": "\(apiError.code)"])
                } else if apiError.status.code >= 500 {
                    context.logger.error("request failed", metadata: ["error": "\(error)"])
                }
                return apiError.response()
            }
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return APIError.internalError.response()
        }
    }
}
