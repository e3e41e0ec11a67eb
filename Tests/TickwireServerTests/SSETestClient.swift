import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One Server-Sent Events message as a client parses it (a comment-only block is a heartbeat).
struct SSEMessage: Equatable {
    var id: String?
    var event: String?
    var data: String?
    var comment: String?
}

struct Timeout: Error {}

/// Runs `body` and fails with `Timeout` if it takes longer than `seconds`.
func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw Timeout()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Hands what one connection reads (response parts, or raw bytes) to an AsyncStream, which ends when it closes.
private final class Collector<Part: Sendable>: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = Part
    let continuation: AsyncStream<Part>.Continuation
    init(_ continuation: AsyncStream<Part>.Continuation) { self.continuation = continuation }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { continuation.yield(unwrapInboundIn(data)) }
    func channelInactive(context: ChannelHandlerContext) { continuation.finish() }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// A socket with NIO's HTTP/1 client codec whose response parts arrive on the returned stream.
func connectHTTPClient(port: Int) async throws -> (any Channel, AsyncStream<HTTPClientResponsePart>) {
    let (stream, continuation) = AsyncStream.makeStream(of: HTTPClientResponsePart.self)
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(Collector(continuation))
            }
        }
        .connect(host: "127.0.0.1", port: port).get()
    return (channel, stream)
}

/// A real socket reading an SSE response incrementally (HTTP/1.1, chunked decoding by NIO's client codec).
final class SSETestClient: @unchecked Sendable {
    private var iterator: AsyncStream<HTTPClientResponsePart>.AsyncIterator
    private let channel: any Channel
    private var pending = ""
    private(set) var status: HTTPResponseStatus?
    private(set) var headers: HTTPHeaders = [:]

    private init(channel: any Channel, stream: AsyncStream<HTTPClientResponsePart>) {
        self.channel = channel
        self.iterator = stream.makeAsyncIterator()
    }

    static func connect(port: Int, path: String, headers: [(String, String)] = []) async throws -> SSETestClient {
        let (channel, stream) = try await connectHTTPClient(port: port)
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1")
        head.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        let client = SSETestClient(channel: channel, stream: stream)
        try await client.readHead()
        return client
    }

    private func readHead() async throws {
        while let part = await iterator.next() {
            if case .head(let head) = part {
                status = head.status
                headers = head.headers
                return
            }
        }
        throw EndOfStream(pending: "")
    }

    /// The next message (heartbeats are returned as comments).
    func next(timeout: Double = 5) async throws -> SSEMessage {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            if let range = pending.range(of: "\n\n") {
                let block = String(pending[..<range.lowerBound])
                pending = String(pending[range.upperBound...])
                var message = SSEMessage()
                for line in block.split(separator: "\n") {
                    if line.hasPrefix(":") {
                        message.comment = String(line.dropFirst().drop(while: { $0 == " " }))
                        continue
                    }
                    let parts = line.split(separator: ":", maxSplits: 1)
                    let field = String(parts[0])
                    let value = parts.count > 1 ? String(parts[1].drop(while: { $0 == " " })) : ""
                    switch field {
                    case "id": message.id = value
                    case "event": message.event = value
                    case "data": message.data = (message.data.map { $0 + "\n" } ?? "") + value
                    default: break
                    }
                }
                return message
            }
            guard ContinuousClock.now < deadline else { throw Timeout() }
            // A timer closes the socket at the deadline, which ends the stream: a timeout costs the connection.
            let channel = self.channel
            let timer = Task {
                try await Task.sleep(until: deadline)
                try? await channel.close()
            }
            let part = await iterator.next()
            timer.cancel()
            switch part {
            case .body(let buffer): pending += String(buffer: buffer)
            case .head: continue
            case .end, nil:
                if ContinuousClock.now >= deadline { throw Timeout() }
                throw EndOfStream(pending: pending)
            }
        }
    }

    /// The next message that is not a heartbeat or the opening comment.
    func nextEvent(timeout: Double = 5) async throws -> SSEMessage {
        while true {
            let message = try await next(timeout: timeout)
            if message.data != nil || message.event != nil { return message }
        }
    }

    struct EndOfStream: Error { var pending: String }

    func close() async {
        try? await channel.close()
    }
}

/// A client that sends its request and then never reads: NIO does not read the socket (`autoRead` off) and the
/// receive buffer is small, so the server's writes back up as they would behind a stalled phone or a frozen tab.
struct StalledClient {
    let channel: any Channel

    static func connect(port: Int, path: String, token: String) async throws -> StalledClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .connect(host: "127.0.0.1", port: port).get()
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: Bearer \(token)\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request)).get()
        return StalledClient(channel: channel)
    }

    func close() async { try? await channel.close() }
}

extension StalledClient {
    /// A WebSocket client that upgrades, subscribes with `message`, and then never reads.
    static func connectWebSocket(port: Int, token: String, subscribe message: String) async throws -> StalledClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .connect(host: "127.0.0.1", port: port).get()
        var bytes = ByteBuffer(
            string: "GET /api/v1/ws/app HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Authorization: Bearer \(token)\r\n\r\n")
        // One masked text frame (clients must mask); short enough for the 7-bit length.
        let payload = Array(message.utf8)
        precondition(payload.count < 126)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        bytes.writeBytes([0x81, 0x80 | UInt8(payload.count)] + mask)
        bytes.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        try await channel.writeAndFlush(bytes).get()
        return StalledClient(channel: channel)
    }
}

/// Sends GET requests for `paths` in one write on one connection (HTTP/1.1 pipelining) and returns the status of
/// each response, in order.
func pipelinedStatuses(
    port: Int, paths: [String], token: String, headers: [(String, String)] = []
) async throws -> [HTTPResponseStatus] {
    let (channel, stream) = try await connectHTTPClient(port: port)
    defer { channel.close(promise: nil) }
    for path in paths {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1")
        head.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.end(nil), promise: nil)
    }
    channel.flush()
    // A cancelled caller (a timeout) closes the socket, which ends the stream below.
    return await withTaskCancellationHandler {
        var statuses: [HTTPResponseStatus] = []
        for await part in stream {
            switch part {
            case .head(let head): statuses.append(head.status)
            case .end: if statuses.count == paths.count { return statuses }
            case .body: break
            }
        }
        return statuses
    } onCancel: {
        channel.close(promise: nil)
    }
}

/// Writes `request` as it is (bytes no HTTP client would send) and returns everything the server sent until it
/// closed the connection.
func rawExchange(port: Int, _ request: String) async throws -> String {
    let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(Collector(continuation))
            }
        }
        .connect(host: "127.0.0.1", port: port).get()
    return try await withTaskCancellationHandler {
        try await channel.writeAndFlush(ByteBuffer(string: request))
        var received = ""
        for await buffer in stream { received += String(buffer: buffer) }
        return received
    } onCancel: {
        channel.close(promise: nil)
    }
}
