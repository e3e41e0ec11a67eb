import Foundation
import Hummingbird
import NIOCore
import TickwireModel

/// A request body type whose unknown keys are refused: a misspelt field (`"quantty"`) must not be silently ignored
/// on a trading API.
protocol StrictRequestBody: Decodable {
    static var knownKeys: Set<String> { get }
    /// Known keys of nested objects, by the key that holds them.
    static var nestedKnownKeys: [String: Set<String>] { get }
}

extension StrictRequestBody {
    static var nestedKnownKeys: [String: Set<String>] { [:] }

    static func checkKeys(of value: JSONValue, path: String) throws(APIError) {
        guard case .object(let object) = value else {
            throw .invalidRequest("\(path.isEmpty ? "body" : path) must be a JSON object")
        }
        let prefix = path.isEmpty ? "" : path + "."
        try check(object, known: knownKeys, prefix: prefix)
        for (key, nestedKeys) in nestedKnownKeys {
            guard case .object(let nested)? = object[key] else { continue }
            try check(nested, known: nestedKeys, prefix: prefix + key + ".")
        }
    }

    /// Unknown keys are refused, and so is an explicit `null`: an optional field is omitted, never null, so that
    /// "absent" has one spelling (and a PATCH never has to guess whether null means "clear" or "unchanged").
    private static func check(_ object: [String: JSONValue], known: Set<String>, prefix: String) throws(APIError) {
        for key in object.keys.sorted() {
            guard known.contains(key) else { throw .invalidRequest("unknown field '\(prefix)\(key)'") }
            if object[key] == .null {
                throw .invalidRequest("field '\(prefix)\(key)' must not be null; omit it instead")
            }
        }
    }
}

extension NewWebhook: StrictRequestBody {
    static let knownKeys: Set<String> = ["url", "event_types", "secret"]
}

extension NewBot: StrictRequestBody {
    static let knownKeys: Set<String> = ["name", "ticker", "exchange", "strategy", "config", "status", "owner_id"]
}

extension NewUser: StrictRequestBody {
    static let knownKeys: Set<String> = ["username", "password", "role"]
}

extension UserPatch: StrictRequestBody {
    static let knownKeys: Set<String> = ["role", "disabled", "password"]
}

extension NewAPIKey: StrictRequestBody {
    static let knownKeys: Set<String> = ["name", "scopes"]
}

extension NewTradingModel: StrictRequestBody {
    static let knownKeys: Set<String> = ["name", "policy", "config"]
}

extension AuthRoutes.LoginBody: StrictRequestBody {
    static let knownKeys: Set<String> = ["username", "password"]
}

extension AuthRoutes.RefreshBody: StrictRequestBody {
    static let knownKeys: Set<String> = ["refresh_token"]
}

extension AuthRoutes.StreamTokenBody: StrictRequestBody {
    static let knownKeys: Set<String> = ["topics"]
}

extension BotPatch: StrictRequestBody {
    static let knownKeys: Set<String> = ["name", "ticker", "exchange", "strategy", "config", "status"]
}

extension NewOrder: StrictRequestBody {
    static let knownKeys: Set<String> = ["side", "type", "quantity", "price", "exchange_order_id"]
}

extension OrderPatch: StrictRequestBody {
    static let knownKeys: Set<String> = ["status", "fill", "exchange_order_id"]
    static let nestedKnownKeys: [String: Set<String>] = ["fill": ["quantity", "price", "fee"]]
}

extension NewLog: StrictRequestBody {
    static let knownKeys: Set<String> = ["bot_id", "level", "message", "timestamp"]
}

extension NewPrice: StrictRequestBody {
    static let knownKeys: Set<String> = ["ticker", "exchange", "price", "timestamp"]
}

/// A body that is either one object or an array of them (`POST /logs`, `POST /prices`).
enum OneOrMany<Item> {
    case one(Item)
    case many([Item])

    var items: [Item] {
        switch self {
        case .one(let item): [item]
        case .many(let items): items
        }
    }
}

extension Request {
    /// Reads the body (up to `limit` bytes) and decodes it, answering malformed input with a precise 4xx.
    func decodeJSON<Body: StrictRequestBody>(_ type: Body.Type, limit: Int) async throws -> Body {
        let data = try await collectJSON(limit: limit)
        let value = try Self.parse(data)
        try Body.checkKeys(of: value, path: "")
        return try Self.decode(Body.self, from: data)
    }

    /// Like `decodeJSON`, for bodies that may be one object or an array of at most `maxItems` objects.
    func decodeJSONBatch<Body: StrictRequestBody>(_ type: Body.Type, limit: Int, maxItems: Int) async throws
        -> OneOrMany<Body>
    {
        let data = try await collectJSON(limit: limit)
        let value = try Self.parse(data)
        if case .array(let elements) = value {
            guard !elements.isEmpty else { throw APIError.invalidRequest("the batch is empty") }
            guard elements.count <= maxItems else {
                throw APIError.invalidRequest("a batch holds at most \(maxItems) items, got \(elements.count)")
            }
            for (index, element) in elements.enumerated() {
                try Body.checkKeys(of: element, path: "[\(index)]")
            }
            return .many(try Self.decode([Body].self, from: data))
        }
        try Body.checkKeys(of: value, path: "")
        return .one(try Self.decode(Body.self, from: data))
    }

    private func collectJSON(limit: Int) async throws -> Data {
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "send the body as application/json, not \(contentType)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else { throw APIError.invalidJSON("the request body is empty") }
        return Data(buffer.readableBytesView)
    }

    private static func parse(_ data: Data) throws(APIError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw .invalidJSON("the request body is not valid JSON")
        }
    }

    private static func decode<Body: Decodable>(_ type: Body.Type, from data: Data) throws(APIError) -> Body {
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch let error as DecodingError {
            throw .invalidRequest(Self.describe(error))
        } catch {
            throw .invalidRequest("the request body does not match the expected shape")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing required field '\(parent.isEmpty ? "" : parent + ".")\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' must be \(describe(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must be \(describe(type)), not null"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return field.isEmpty ? context.debugDescription : "field '\(field)' \(context.debugDescription)"
        @unknown default:
            return "the request body does not match the expected shape"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Int64.Type, is Int.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is [String: JSONValue].Type: "a JSON object"
        default: "of type \(type)"
        }
    }
}

extension NewEvent: StrictRequestBody {
    static let knownKeys: Set<String> = ["topic", "type", "data", "bot_id", "ticker"]
}
