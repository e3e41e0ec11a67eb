import DequeModule
import Hummingbird
import NIOCore
import TickwireHub

/// A `text/event-stream` response that drains one hub subscription into the socket.
///
/// The loop runs in the connection's own task: it takes everything queued (`Subscription.next()`), renders it into
/// one buffer and writes it with one flush. With a `sink`, once the subscription has caught up (replay done, queue
/// drained) the hub writes live events to the connection itself and the task only waits for the end. A closed
/// connection is noticed through the request's inbound-close handler, which cancels the subscription at once rather
/// than at the next write.
enum SSEResponse {
    static let headers: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8",
        .cacheControl: "no-cache",
        .accelBuffering: "no",
    ]

    /// - Parameters:
    ///   - opening: written first (after the `retry:` prelude), e.g. a snapshot or a `connected` message.
    ///   - render: turns a batch into bytes; `nil` writes nothing for that batch.
    ///   - sink: where the hub may write live events directly; only for streams rendered with `SSEFrames.render`.
    static func make(
        request: Request, subscription: Subscription, metrics: TransportMetrics, opening: [ByteBuffer] = [],
        sink: (any ChannelSink)? = nil,
        render: @escaping @Sendable (Deque<Subscription.Item>) async throws -> ByteBuffer? = { SSEFrames.render($0) }
    ) -> Response {
        Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                metrics.connections.increment()
                defer {
                    subscription.cancel()
                    metrics.connections.decrement()
                }
                do {
                    try await request.body.consumeWithInboundCloseHandler { _ in
                        try await writer.write(SSEFrames.prelude)
                        for buffer in opening { try await writer.write(buffer) }
                        while true {
                            if let sink, subscription.attach(sink) { throw await subscription.untilEnded() }
                            let items = try await subscription.next()
                            if let bytes = try await render(items) {
                                try await writer.write(bytes)
                                metrics.delivered.increment(by: Int64(items.count))
                            }
                        }
                    } onInboundClosed: {
                        subscription.cancel()
                    }
                } catch let reason as Subscription.EndReason where reason != .closed {
                    try? await writer.write(SSEFrames.end(reason.rawValue))
                } catch {
                    // The client went away or the write failed: nothing more to say.
                }
                try? await writer.finish(nil)
            })
    }
}
