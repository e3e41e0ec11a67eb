import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// `tickwire bench stream`: N SSE or WebSocket subscribers on one server, events published through the REST API at
/// a fixed rate; prints publish-to-receive latency percentiles, delivered events/s, lost events and the server's
/// memory per connection (from /proc, when `--server-pid` is given).
///
/// Each published event is an activity log line whose message carries its sequence number and send time
/// (`bench:SEQ:NANOS`, wall clock, same machine); subscribers scan their socket bytes for it, so the client side costs
/// little more than a read per batch.
struct StreamBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream", abstract: "Measure fan-out: subscribers, publish rate, latency, loss, memory.")

    @Option(help: "Server address.") var host = "127.0.0.1"
    @Option(help: "Server port.") var port = 8080
    @Option(help: "Port to publish through (default: the subscribers' port); another node's, for cross-node latency.")
    var publishPort: Int?
    @Option(help: "sse or ws.") var transport = "sse"
    @Option(help: "Number of subscribers.") var subscribers = 1000
    @Option(help: "Published events per second.") var rate = 10
    @Option(help: "Seconds of publishing.") var duration = 10
    @Option(help: "Server process id, to read its memory before and after connecting.") var serverPid: Int32?
    @Option(help: "Event-loop threads of the load generator.") var threads = 2
    @Option(help: "API key (read and write) for the subscribers and the publisher (env TICKWIRE_TOKEN).")
    var token: String?

    var authorization: String {
        let key = token ?? ProcessInfo.processInfo.environment["TICKWIRE_TOKEN"] ?? ""
        return "Authorization: Bearer \(key)\r\n"
    }

    func run() async throws {
        guard transport == "sse" || transport == "ws" else { throw ValidationError("transport must be sse or ws") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let rssBefore = serverPid.flatMap(Self.rss)
        var handlers: [SubscriberHandler] = []
        var channels: [any Channel] = []
        let connected = ManagedAtomicCounter()
        for index in 0..<subscribers {
            let handler = SubscriberHandler(
                transport: transport, host: host, authorization: authorization, connected: connected)
            let channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
                .connect(host: host, port: port).get()
            handlers.append(handler)
            channels.append(channel)
            if index % 1000 == 999 { print("connected \(index + 1)") }
        }
        // Wait until every subscriber has its response head (the subscription exists on the server).
        let deadline = ContinuousClock.now + .seconds(60)
        while connected.value < subscribers, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .seconds(1))
        let rssConnected = serverPid.flatMap(Self.rss)
        print("subscribers ready: \(connected.value)/\(subscribers)")

        // The publishers get a loop of their own: on a subscriber loop, a request would wait behind hundreds of
        // reads after its send time was taken, and the generator's queue would count as the server's latency.
        let publishGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let published = try await Publisher(
            host: host, port: publishPort ?? port, authorization: authorization, group: publishGroup
        ).run(
            rate: rate, seconds: duration)
        try await publishGroup.shutdownGracefully()
        try await Task.sleep(for: .seconds(2))  // let the tail arrive

        var latencies: [UInt32] = []
        var received = 0
        var closedEarly = 0
        for (handler, channel) in zip(handlers, channels) {
            let stats = try await channel.eventLoop.submit {
                (handler.latencies, handler.received, handler.closedEarly)
            }.get()
            latencies += stats.0
            received += stats.1
            closedEarly += stats.2 ? 1 : 0
            channel.close(promise: nil)
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty
                ? .nan : Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000
        }
        let expected = published * subscribers
        print("transport=\(transport) subscribers=\(subscribers) rate=\(rate)/s duration=\(duration)s")
        print(
            "published=\(published) expected_deliveries=\(expected) received=\(received) lost=\(expected - received)"
                + " closed_by_server=\(closedEarly)")
        print(String(format: "delivered_per_s=%.0f", Double(received) / Double(duration)))
        print(
            String(
                format: "latency_ms p50=%.2f p90=%.2f p99=%.2f p99.9=%.2f max=%.2f", percentile(0.5), percentile(0.9),
                percentile(0.99), percentile(0.999), percentile(1.0)))
        if let before = rssBefore, let after = rssConnected {
            print(
                String(
                    format: "server_rss_mb before=%.1f connected=%.1f per_connection_kib=%.1f", Double(before) / 1024,
                    Double(after) / 1024, Double(after - before) / Double(subscribers)))
        }
        try await group.shutdownGracefully()
    }

    /// Resident set size in KiB.
    static func rss(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }
}

/// A counter shared by event-loop threads.
final class ManagedAtomicCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// One subscriber connection: sends the request (SSE GET, or WebSocket upgrade plus a subscribe frame) and scans
/// what arrives for `bench:SEQ:NANOS` markers. Touched only on its channel's event loop.
final class SubscriberHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let transport: String
    let host: String
    let authorization: String
    let connected: ManagedAtomicCounter
    var latencies: [UInt32] = []
    var received = 0
    /// Set when the server closed the connection before the end of the run.
    var closedEarly = false
    private var headDone = false
    private var carry: [UInt8] = []
    static let marker = Array("bench:".utf8)

    init(transport: String, host: String, authorization: String, connected: ManagedAtomicCounter) {
        self.transport = transport
        self.host = host
        self.authorization = authorization
        self.connected = connected
    }

    func channelActive(context: ChannelHandlerContext) {
        let request =
            transport == "sse"
            ? "GET /api/v1/stream?topics=logs HTTP/1.1\r\nHost: \(host)\r\n\(authorization)Accept: text/event-stream\r\n\r\n"
            : "GET /api/v1/ws/app HTTP/1.1\r\nHost: \(host)\r\n\(authorization)Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closedEarly = true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if !headDone {
            carry.append(contentsOf: buffer.readableBytesView)
            guard let end = Self.find(Array("\r\n\r\n".utf8), in: carry) else { return }
            headDone = true
            connected.increment()
            carry.removeFirst(end + 4)
            if transport == "ws" {
                context.writeAndFlush(
                    wrapOutboundOut(Self.maskedText(#"{"type":"subscribe","topics":["logs"]}"#)), promise: nil)
            }
            let rest = carry
            carry = []
            rest.withUnsafeBytes {
                trackFrames($0, context: context)
                scan($0)
            }
            return
        }
        // The generator shares the machine with the server: reading must cost little, so the bytes are scanned in
        // place and copied only when a marker is split across two reads (rare).
        buffer.withUnsafeReadableBytes { trackFrames($0, context: context) }
        if carry.isEmpty {
            buffer.withUnsafeReadableBytes { scan($0) }
        } else {
            var joined = carry
            joined.append(contentsOf: buffer.readableBytesView)
            carry = []
            joined.withUnsafeBytes { scan($0) }
        }
    }

    // WebSocket only: frame boundaries, followed to answer the server's pings (it closes sockets that do not).
    private var frameHeader: [UInt8] = []
    private var payloadLeft = 0
    private var pingPayload: [UInt8]?

    private func trackFrames(_ bytes: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        guard transport == "ws" else { return }
        var index = 0
        while index < bytes.count {
            if payloadLeft > 0 {
                let take = min(payloadLeft, bytes.count - index)
                pingPayload?.append(contentsOf: bytes[index..<(index + take)])
                index += take
                payloadLeft -= take
                if payloadLeft == 0 { answerPing(context) }
                continue
            }
            frameHeader.append(bytes[index])
            index += 1
            guard frameHeader.count >= 2 else { continue }
            let short = Int(frameHeader[1] & 0x7F)
            guard frameHeader.count == (short == 126 ? 4 : short == 127 ? 10 : 2) else { continue }  // unmasked
            var length = short
            if short == 126 { length = Int(frameHeader[2]) << 8 | Int(frameHeader[3]) }
            if short == 127 { length = frameHeader[2..<10].reduce(0) { $0 << 8 | Int($1) } }
            pingPayload = frameHeader[0] & 0x0F == 0x9 ? [] : nil
            frameHeader.removeAll(keepingCapacity: true)
            payloadLeft = length
            if length == 0 { answerPing(context) }
        }
    }

    private func answerPing(_ context: ChannelHandlerContext) {
        guard let payload = pingPayload else { return }
        pingPayload = nil
        var pong = ByteBuffer()
        pong.writeBytes([0x8A, 0x80 | UInt8(payload.count), 0, 0, 0, 0] + payload)  // a zero mask
        context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
    }

    /// Records every complete `bench:SEQ:NANOS` marker; keeps a marker cut by the end of the bytes for the next read.
    private func scan(_ bytes: UnsafeRawBufferPointer) {
        let now = Self.wallNanos()
        let marker = Self.marker
        let count = bytes.count
        var index = 0
        scanning: while index < count {
            guard bytes[index] == marker[0] else {
                index += 1
                continue
            }
            // A possible marker: compare what is there (it may run past the end of this read).
            var matched = 1
            while matched < marker.count, index + matched < count, bytes[index + matched] == marker[matched] {
                matched += 1
            }
            if index + matched == count {
                carry = Array(bytes[index...])
                return
            }
            guard matched == marker.count else {
                index += 1
                continue
            }
            var cursor = index + matched
            while cursor < count, bytes[cursor] != UInt8(ascii: ":") { cursor += 1 }
            cursor += 1
            let digitsStart = cursor
            var sent: UInt64 = 0
            while cursor < count, (48...57).contains(bytes[cursor]) {
                sent = sent * 10 + UInt64(bytes[cursor] - 48)
                cursor += 1
            }
            guard cursor < count, cursor > digitsStart else {
                carry = Array(bytes[index...])  // the marker is cut by the end of this read
                break scanning
            }
            received += 1
            latencies.append(UInt32(min(UInt64(UInt32.max), now > sent ? (now - sent) / 1000 : 0)))
            index = cursor
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count)
        where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }

    static func wallNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// A client-to-server text frame (clients must mask; a zero mask keeps the payload readable).
    static func maskedText(_ text: String) -> ByteBuffer {
        let payload = Array(text.utf8)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0x81))
        buffer.writeInteger(UInt8(0x80 | UInt8(payload.count)))
        buffer.writeBytes([0, 0, 0, 0])
        buffer.writeBytes(payload)
        return buffer
    }
}

/// Posts log lines at a fixed rate over a few keep-alive connections.
struct Publisher {
    let host: String
    let port: Int
    let authorization: String
    let group: MultiThreadedEventLoopGroup

    func run(rate: Int, seconds: Int) async throws -> Int {
        let total = rate * seconds
        let connections = max(1, min(8, rate / 500 + 1))
        let start = ContinuousClock.now
        let interval = Duration.nanoseconds(1_000_000_000 / max(rate, 1))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for lane in 0..<connections {
                tasks.addTask {
                    let connection = try await PublishConnection.open(host: host, port: port, group: group)
                    var seq = lane
                    while seq < total {
                        try await Task.sleep(until: start + interval * seq)
                        try await connection.post(path: "/api/v1/logs", host: host, authorization: authorization) {
                            [seq] in #"{"level":"INFO","message":"bench:\#(seq):\#(SubscriberHandler.wallNanos())"}"#
                        }
                        seq += connections
                    }
                    connection.close()
                }
            }
            try await tasks.waitForAll()
        }
        return total
    }
}

/// One keep-alive HTTP/1.1 connection sending a request and waiting for the complete response head.
final class PublishConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var pending: CheckedContinuation<Void, any Error>?
    private var buffer: [UInt8] = []
    private var channel: (any Channel)?

    static func open(host: String, port: Int, group: MultiThreadedEventLoopGroup) async throws -> PublishConnection {
        let connection = PublishConnection()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(connection) }
            }
            .connect(host: host, port: port).get()
        connection.channel = channel
        return connection
    }

    /// Sends a POST whose body `body` makes on the loop, right before the write: a send time in the body is then
    /// the moment the request leaves, not the moment it was queued.
    func post(path: String, host: String, authorization: String, body: @escaping @Sendable () -> String)
        async throws
    {
        guard let channel else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            channel.eventLoop.execute {
                let body = body()
                let request =
                    "POST \(path) HTTP/1.1\r\nHost: \(host)\r\n\(authorization)Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                self.pending = continuation
                channel.writeAndFlush(ByteBuffer(string: request), promise: nil)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffer.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        // Responses are small JSON bodies with Content-Length; one response per request.
        guard let headEnd = SubscriberHandler.find(Array("\r\n\r\n".utf8), in: buffer) else { return }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self).lowercased()
        let length =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        guard buffer.count >= headEnd + 4 + length else { return }
        buffer.removeFirst(headEnd + 4 + length)
        let continuation = pending
        pending = nil
        if head.hasPrefix("http/1.1 201") {
            continuation?.resume()
        } else {
            continuation?.resume(throwing: ValidationError("publish failed: \(head.prefix(80))"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.resume(throwing: ValidationError("publish connection closed"))
        pending = nil
    }

    func close() { channel?.close(promise: nil) }
}
