import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `tickwire-bench stream`: N SSE or WebSocket subscribers on one server, events published through the REST API at
/// a fixed rate; prints publish-to-receive latency percentiles (to the bytes' arrival on the subscriber's socket,
/// and to their read), delivered events/s, lost events and the server's memory per connection (from /proc, when
/// `--server-pid` is given).
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
    @Option(help: "Threads reading the subscribers' sockets.") var threads = 2
    @Option(help: "API key (read and write) for the subscribers and the publisher (env TICKWIRE_TOKEN).")
    var token: String?

    var authorization: String {
        let key = token ?? ProcessInfo.processInfo.environment["TICKWIRE_TOKEN"] ?? ""
        return "Authorization: Bearer \(key)\r\n"
    }

    func run() async throws {
        guard transport == "sse" || transport == "ws" else { throw ValidationError("transport must be sse or ws") }
        let rssBefore = serverPid.flatMap(Self.rss)
        let request =
            transport == "sse"
            ? "GET /api/v1/stream?topics=logs HTTP/1.1\r\nHost: \(host)\r\n\(authorization)Accept: text/event-stream\r\n\r\n"
            : "GET /api/v1/ws/app HTTP/1.1\r\nHost: \(host)\r\n\(authorization)Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        let sockets = try SubscriberSockets(
            count: subscribers, host: host, port: port, request: request, webSocket: transport == "ws",
            threads: threads)
        // Wait until every subscriber has its response head (the subscription exists on the server).
        let deadline = ContinuousClock.now + .seconds(60)
        while sockets.connected < subscribers, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .seconds(1))
        let rssConnected = serverPid.flatMap(Self.rss)
        print("subscribers ready: \(sockets.connected)/\(subscribers)")

        // The publisher has a thread of its own: on a subscriber thread, a request would wait behind hundreds of
        // reads after its send time was taken, and the generator's queue would count as the server's latency.
        let publishGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let published = try await Publisher(
            host: host, port: publishPort ?? port, authorization: authorization, group: publishGroup
        ).run(rate: rate, seconds: duration)
        try await publishGroup.shutdownGracefully()
        try await Task.sleep(for: .seconds(2))  // let the tail arrive

        let (scanners, closedEarly) = sockets.stop()
        let received = scanners.reduce(0) { $0 + $1.received }
        let arrivals = scanners.flatMap(\.arrivals).sorted()
        let reads = scanners.flatMap(\.reads).sorted()
        func percentiles(_ latencies: [UInt32]) -> String {
            func percentile(_ p: Double) -> Double {
                latencies.isEmpty
                    ? .nan : Double(latencies[percentileIndex(p, of: latencies.count)]) / 1000
            }
            return String(
                format: "p50=%.2f p90=%.2f p99=%.2f p99.9=%.2f max=%.2f", percentile(0.5), percentile(0.9),
                percentile(0.99), percentile(0.999), percentile(1.0))
        }
        let expected = published * subscribers
        print("transport=\(transport) subscribers=\(subscribers) rate=\(rate)/s duration=\(duration)s")
        print(
            "published=\(published) expected_deliveries=\(expected) received=\(received) lost=\(expected - received)"
                + " closed_by_server=\(closedEarly)")
        print(String(format: "delivered_per_s=%.0f", Double(received) / Double(duration)))
        // Arrival: send to the kernel's receive timestamp on the subscriber's socket (the server's latency).
        // Read: send to the moment the generator read the bytes (adds the generator's own queue on a shared machine).
        print("arrival_latency_ms \(percentiles(arrivals))")
        print("read_latency_ms    \(percentiles(reads))")
        if let before = rssBefore, let after = rssConnected {
            print(
                String(
                    format: "server_rss_mb before=%.1f connected=%.1f per_connection_kib=%.1f", Double(before) / 1024,
                    Double(after) / 1024, Double(after - before) / Double(subscribers)))
        }
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
                            [seq] in #"{"level":"INFO","message":"bench:\#(seq):\#(wallNanos())"}"#
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
        guard let headEnd = MarkerScanner.find(Array("\r\n\r\n".utf8), in: buffer) else { return }
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
