import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import TickwireHub
import TickwireModel
import TickwireServer
import TickwireService
import TickwireStore

/// Collects what the write path publishes, to check that every committed change is handed on, in order.
final class RecordingPublisher: EventPublisher {
    private let events = Mutex<[Event]>([])
    func publish(_ events: [Event]) { self.events.withLock { $0 += events } }
    var published: [Event] { events.withLock { $0 } }
}

/// Hands each committed batch to several publishers (the hub and a recorder).
struct Fanout: EventPublisher {
    let targets: [any EventPublisher]
    func publish(_ events: [Event]) { for target in targets { target.publish(events) } }
}

/// A live Tickwire server on an ephemeral port over a fresh SQLite file.
struct TestServer {
    let store: SQLiteStore
    let publisher: RecordingPublisher

    let hub: Hub

    static func with(
        maxBodySize: Int = 1 << 20, configuration: ServerConfiguration = .init(),
        _ body: @Sendable (any TestClientProtocol, TestServer) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickwire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("test.db").path)
        let publisher = RecordingPublisher()
        let hub = Hub(head: try await store.lastEventId())
        store.publishCommits(to: Fanout(targets: [hub, publisher]))
        let service = TradingService(store: store)
        var logger = Logger(label: "tickwire-test")
        logger.logLevel = .warning
        var configuration = configuration
        configuration.port = 0
        configuration.maxBodySize = maxBodySize
        let app = try buildApplication(service: service, hub: hub, configuration: configuration, logger: logger)
        let server = TestServer(store: store, publisher: publisher, hub: hub)
        try await app.test(.live) { client in try await body(client, server) }
    }
}

struct Reply {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ByteBuffer
    var text: String { String(buffer: body) }
    var json: JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))) ?? .null
    }
    var errorCode: String? { json["error"]?["code"]?.string }
}

extension TestClientProtocol {
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = headers
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        {
            Reply(status: $0.status, headers: $0.headers, body: $0.body)
        }
    }

    /// Creates a bot through the API and returns its id.
    func createBot(name: String = "alpha", ticker: String = "BTC/USDT", exchange: String = "binance") async throws
        -> Int64
    {
        let reply = try await call(
            .post, "/api/v1/bots",
            json: #"{"name":"\#(name)","ticker":"\#(ticker)","exchange":"\#(exchange)","strategy":"sma"}"#)
        guard reply.status == .created, let id = reply.json["id"]?.int else {
            throw TestFailure("bot creation failed: \(reply.status) \(reply.text)")
        }
        return id
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
    subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }
    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }
    var int: Int64? { number.map { Int64($0) } }
    var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
    var isNull: Bool { self == .null }
}
