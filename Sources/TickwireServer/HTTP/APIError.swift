import Hummingbird
import NIOCore
import NIOHTTP1
import TickwireModel
import TickwireService
import TickwireStore
import TickwireTransport

/// Every error the API answers with: one stable body, `{"error": {"code": "...", "message": "..."}}`.
///
/// `code` is a machine-readable constant clients can branch on; `message` is for people and may change wording.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func invalidJSON(_ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_json", message: message)
    }

    public static func invalidRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_request", message: message)
    }

    public static func invalidParameter(_ name: String, _ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_parameter", message: "query parameter '\(name)' \(message)")
    }

    public static func notFound(_ message: String) -> APIError {
        APIError(.notFound, code: "not_found", message: message)
    }

    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(
            .contentTooLarge, code: "payload_too_large", message: "request body exceeds the limit of \(limit) bytes")
    }

    func response() -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: jsonBody)))
    }

    /// How the transport answers a request the HTTP parser refused.
    static let refusal: MalformedRequestResponder.Refuse = { error, headersTooLarge in
        let answer =
            headersTooLarge
            ? APIError(
                .requestHeaderFieldsTooLarge, code: "headers_too_large", message: "the request head is too large")
            : APIError(.badRequest, code: "invalid_request", message: "malformed HTTP request (\(error))")
        return .init(status: HTTPResponseStatus(statusCode: answer.status.code), json: answer.jsonBody)
    }

    /// `{"error":{"code":"...","message":"..."}}`
    var jsonBody: String {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
            }
            let error: Detail
        }
        return JSONCoding.encodeToString(Body(error: .init(code: code, message: message)))
    }

    /// An engine write of a lease term that has ended: another node of the cluster runs the engine now.
    static let engineElsewhere = APIError(
        .serviceUnavailable, code: "engine_elsewhere",
        message: "the trading engine now runs on another node of this cluster; try again")

    /// Maps any error thrown below a route to what the client sees. Anything unexpected becomes a 500 whose body
    /// says nothing about the server's internals; the caller logs the original error.
    static func from(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError:
            return error
        case let error as ValidationError:
            return APIError(
                .unprocessableContent, code: "validation_failed", message: "\(error.field): \(error.message)")
        case let error as AccessDenied:
            return APIError(.forbidden, code: error.code, message: error.message)
        case let error as QuotaExceeded:
            return APIError(.conflict, code: "quota_exceeded", message: error.message)
        case let error as OrderRefused:
            return APIError(.unprocessableContent, code: error.code, message: error.message)
        case let error as QueueFull:
            return APIError(.tooManyRequests, code: "queue_full", message: error.message, headers: [.retryAfter: "5"])
        case let error as StoreError:
            switch error {
            case .notFound(let entity, let id):
                return .notFound("\(entity) \(id) not found")
            case .conflict(let message):
                return APIError(.conflict, code: "conflict", message: message)
            case .unavailable:
                return APIError(.serviceUnavailable, code: "unavailable", message: "the database is not available")
            case .leaseLost:
                return engineElsewhere
            }
        case let error as HTTPError:
            return APIError(
                error.status, code: code(for: error.status), message: error.body ?? error.status.reasonPhrase,
                headers: error.headers)
        default:
            return nil
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "payload_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .badRequest: "invalid_request"
        default: status.code >= 500 ? "internal_error" : "http_\(status.code)"
        }
    }

    static let internalError = APIError(
        .internalServerError, code: "internal_error", message: "the server failed to handle this request")
}
