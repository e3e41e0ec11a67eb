import Foundation
import Hummingbird

/// Refuses a path that, once percent-decoded, holds a control character or is not UTF-8: 404 `not_found`, since no
/// route, id or file has such a name. Without it the file middleware would hand `index.html%00.png` to the file
/// system, which stops at the NUL and serves `index.html` typed as an image.
struct PathGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard Self.isClean(request.uri.path) else {
            throw APIError.notFound("no resource has a control character in its path")
        }
        return try await next(request, context)
    }

    static func isClean(_ path: String) -> Bool {
        guard let decoded = path.removingPercentEncoding else { return false }
        return !decoded.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}
