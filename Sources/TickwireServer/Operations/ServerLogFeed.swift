import NIOCore
import TickwireHub
import TickwireModel
import TickwireTransport

/// The server's own log lines on the multiplexed streams: while an admin's subscription includes `admin.logs`, each
/// line the process logs is queued on it behind the events already waiting, as a `server_log` message without an id
/// (the lines are this process's memory, not the event log, so a resumed stream does not replay them).
enum ServerLogFeed {
    /// `{"topic":"admin.logs","type":"server_log","timestamp","data":{line}}`: an event's envelope without an id.
    static func envelope(_ line: ServerLogTail.Line) -> String {
        #"{"topic":"admin.logs","type":"server_log","timestamp":"\#(line.timestamp.iso8601)","data":\#(line.json)}"#
    }

    /// As an SSE message named `server_log`.
    static func sse(_ line: ServerLogTail.Line) -> ByteBuffer {
        SSEFrames.message(id: nil, event: "server_log", data: envelope(line))
    }

    /// As a WebSocket text message.
    static func webSocket(_ line: ServerLogTail.Line) -> ByteBuffer { ByteBuffer(string: envelope(line)) }

    /// Feeds `subscription` until it ends. Whether it wants the lines is asked per line, so a later subscribe or
    /// unsubscribe of `admin.logs` (WebSocket) takes effect at once.
    static func follow(
        _ tail: ServerLogTail, into subscription: Subscription,
        render: @escaping @Sendable (ServerLogTail.Line) -> ByteBuffer
    ) {
        _ = tail.watch(level: .trace, backlog: 0, alive: { subscription.snapshot.ended == nil }) { line in
            guard subscription.snapshot.ended == nil else { return false }
            if subscription.interest.topics.contains(.adminLogs) { subscription.enqueueControl(render(line)) }
            return true
        }
    }
}
