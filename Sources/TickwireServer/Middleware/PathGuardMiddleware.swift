import Foundation
import Hummingbird

/// Refuses (400 `invalid_path`) a path that, once percent-decoded, holds a control character or is not UTF-8.
/// No route or file has such a name, and the file middleware would otherwise hand `index.html%00.png` to the file
/// system, which stops at the NUL and serves `index.html` typed as an image.
struct PathGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard Self.isClean(request.uri.path) else {
            throw APIError(.badRequest, code: "invalid_path", message: "the path holds a control character")
        }
        return try await next(request, context)
    }

    static func isClean(_ path: String) -> Bool {
        guard let decoded = path.removingPercentEncoding else { return false }
        return !decoded.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}
