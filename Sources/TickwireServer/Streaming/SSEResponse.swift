import DequeModule
import Hummingbird
import NIOCore
import TickwireHub
import TickwireTransport

/// A `text/event-stream` response that drains one hub subscription into the socket.
///
/// The loop runs in a task: it takes everything queued (`Subscription.next()`), renders it into one buffer and writes
/// it with one flush. With a `sink`, once the subscription has caught up (replay done, queue drained) the hub writes
/// live events to the connection itself; the task then ends if `StreamConnectionHandler` serves the request (the
/// connection is detached), or else waits for the end.
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
    ///   - onEnd: called once the response has ended (not with a sink: a detached connection outlives the task).
    static func make(
        request: Request, subscription: Subscription, metrics: TransportMetrics, opening: [ByteBuffer] = [],
        sink: (any ChannelSink)? = nil,
        render: @escaping @Sendable (Deque<Subscription.Item>) async throws -> ByteBuffer? = { SSEFrames.render($0) },
        onEnd: (@Sendable () -> Void)? = nil
    ) -> Response {
        Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                metrics.connections.increment()
                // Served by `StreamConnectionHandler`: the connection can outlive this task.
                let detachable = writer as? DetachableBodyWriter
                detachable?.watch(subscription)
                var detached = false
                defer {
                    onEnd?()
                    if !detached {
                        subscription.cancel()
                        metrics.connections.decrement()
                    }
                }
                do {
                    try await untilClosed(request, servedByHandler: detachable != nil, subscription: subscription) {
                        try await writer.write(SSEFrames.prelude)
                        for buffer in opening { try await writer.write(buffer) }
                        while true {
                            if let sink, subscription.attach(sink) {
                                guard let detachable else { throw await subscription.untilEnded() }
                                detachable.detach { reason in
                                    metrics.connections.decrement()
                                    return reason == .closed ? nil : SSEFrames.end(reason.rawValue)
                                }
                                detached = true
                                return
                            }
                            let items = try await subscription.next()
                            if let bytes = try await render(items) {
                                try await writer.write(bytes)
                                let events = items.count { if case .event = $0 { true } else { false } }
                                if events > 0 { metrics.delivered.increment(by: Int64(events)) }
                            }
                        }
                    }
                } catch let reason as Subscription.EndReason where reason != .closed {
                    try? await writer.write(SSEFrames.end(reason.rawValue))
                } catch {
                    // The client went away or the write failed: nothing more to say.
                }
                if !detached { try? await writer.finish(nil) }
            })
    }

    /// Runs `operation`, cancelling the subscription as soon as the client closes the connection rather than at the
    /// next write. (`StreamConnectionHandler` does this itself for the requests it serves.)
    private static func untilClosed(
        _ request: Request, servedByHandler: Bool, subscription: Subscription, _ operation: () async throws -> Void
    ) async throws {
        if servedByHandler { return try await operation() }
        try await request.body.consumeWithInboundCloseHandler { _ in
            try await operation()
        } onInboundClosed: {
            subscription.cancel()
        }
    }
}
