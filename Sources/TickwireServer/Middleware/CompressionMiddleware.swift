import CompressNIO
import Hummingbird
import NIOCore

/// gzip for responses above `minimumSize` bytes when the client accepts it (seed 000 measured bundles 50-70% smaller).
///
/// Only bodies of known length are compressed, in one pass over the whole buffer; streams (SSE) pass through, since
/// their chunks must reach the client as they are written.
struct CompressionMiddleware<Context: RequestContext>: RouterMiddleware {
    var minimumSize = 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        guard let length = response.body.contentLength, length > minimumSize,
            response.headers[.contentEncoding] == nil, Self.acceptsGzip(request.headers[.acceptEncoding])
        else { return response }

        var plain = try await response.body.collected()
        let compressed = try plain.compress(with: .gzip())
        response.headers[.contentEncoding] = "gzip"
        response.headers[.vary] = "Accept-Encoding"
        response.headers[.contentLength] = nil
        response.body = ResponseBody(byteBuffer: compressed)
        return response
    }

    /// True when `Accept-Encoding` lists gzip (or `*`) without `q=0`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = pieces.first, coding == "gzip" || coding == "*" else { continue }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { return true }
        }
        return false
    }
}
