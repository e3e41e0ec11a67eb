import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import TickwireModel

/// A client for Tickwire's REST API and event stream, for bots and tools written in Swift.
///
/// ```swift
/// let client = TickwireClient(url: "http://127.0.0.1:8080", credential: .apiKey(key))
/// let bot = try await client.createBot(NewBot(name: "b", ticker: "BTC/USDT", exchange: "paper", strategy: "manual"))
/// _ = try await client.placeOrder(botId: bot.id, NewOrder(side: .buy, type: .market, quantity: 0.01))
/// for try await item in client.events(topics: ["orders", "logs"], botId: bot.id) {
///     if case .event(let event) = item { print(event.type, event.data) }
/// }
/// ```
public struct TickwireClient: Sendable {
    /// How requests authenticate: an API key (or an access token), or a provider asked before each connection (a
    /// stream token that expires is asked for again when the stream reconnects).
    public enum Credential: Sendable {
        case apiKey(String)
        case provider(@Sendable () async throws -> String)

        var isProvider: Bool {
            if case .provider = self { true } else { false }
        }

        func token() async throws -> String {
            switch self {
            case .apiKey(let key): key
            case .provider(let provide): try await provide()
            }
        }
    }

    public let url: String
    public let credential: Credential?
    let http: HTTPClient
    /// How long a call may take.
    public var timeout: TimeAmount = .seconds(30)
    /// How long an event stream may stay silent before it is reopened: above the server's heartbeat interval
    /// (`--heartbeat`, 15 s by default), so that only a dead connection is dropped.
    public var streamIdleTimeout: Duration = .seconds(45)

    public init(url: String, credential: Credential?, http: HTTPClient = .shared) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.credential = credential
        self.http = http
    }

    /// From `TICKWIRE_URL` (default `http://127.0.0.1:8080`) and `TICKWIRE_TOKEN`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> TickwireClient
    {
        TickwireClient(
            url: environment["TICKWIRE_URL"] ?? "http://127.0.0.1:8080",
            credential: environment["TICKWIRE_TOKEN"].map(Credential.apiKey))
    }

    // MARK: Calls

    /// One call: the answer decoded as `T`, or `TickwireError` with the server's error body.
    public func request<T: Decodable>(
        _ method: HTTPMethod, _ path: String, query: [String: String?] = [:], body: (some Encodable)? = String?.none,
        as type: T.Type = T.self
    ) async throws -> T {
        let bytes = try await perform(method, path, query: query, body: body.map { try JSONEncoder().encode($0) })
        return try JSONDecoder().decode(T.self, from: bytes)
    }

    /// A call whose answer is not read (204, or not needed).
    public func send(
        _ method: HTTPMethod, _ path: String, query: [String: String?] = [:], body: (some Encodable)? = String?.none
    ) async throws {
        _ = try await perform(method, path, query: query, body: body.map { try JSONEncoder().encode($0) })
    }

    /// A call with a body of another type than JSON (a CSV upload).
    public func send(
        _ method: HTTPMethod, _ path: String, query: [String: String?] = [:], body: Data, contentType: String
    ) async throws -> JSONValue {
        let bytes = try await perform(method, path, query: query, body: body, contentType: contentType)
        return try JSONDecoder().decode(JSONValue.self, from: bytes)
    }

    func perform(
        _ method: HTTPMethod, _ path: String, query: [String: String?], body: Data?,
        contentType: String = "application/json"
    ) async throws -> Data {
        var request = HTTPClientRequest(url: url + path + Self.queryString(query))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let credential {
            request.headers.add(name: "Authorization", value: "Bearer \(try await credential.token())")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response = try await http.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let data = Data(buffer: bytes)
        guard (200..<300).contains(response.status.code) else {
            throw TickwireError(status: Int(response.status.code), body: data)
        }
        return data
    }

    static func queryString(_ query: [String: String?]) -> String {
        let pairs = query.compactMap { key, value in value.map { (key, $0) } }.sorted { $0.0 < $1.0 }
        guard !pairs.isEmpty else { return "" }
        var components = URLComponents()
        components.queryItems = pairs.map { URLQueryItem(name: $0.0, value: $0.1) }
        return "?" + (components.percentEncodedQuery ?? "")
    }
}

/// An error answer: the HTTP status and the stable error body's `code` and `message`.
public struct TickwireError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    init(status: Int, body: Data) {
        struct Body: Decodable {
            struct Inner: Decodable {
                let code: String
                let message: String
            }
            let error: Inner
        }
        self.status = status
        if let decoded = try? JSONDecoder().decode(Body.self, from: body) {
            code = decoded.error.code
            message = decoded.error.message
        } else {
            code = "error"
            message = String(decoding: body.prefix(200), as: UTF8.self)
        }
    }

    public var description: String { "\(status) \(code): \(message)" }
}

/// A list answer: `{"data": [...], "next_cursor": ...}`.
public struct ListAnswer<Item: Decodable & Sendable>: Decodable, Sendable {
    public var data: [Item]
}
