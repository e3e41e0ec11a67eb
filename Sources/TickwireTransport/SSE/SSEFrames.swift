import NIOCore
import TickwireHub
import TickwireModel

/// Server-Sent Events framing that is not an event of the log: the opening hint, keep-alives, resets and the reason
/// a stream ends.
public enum SSEFrames {
    /// Reconnect after 3 s (the browser default is implementation-defined) and open the stream at once.
    public static let prelude = ByteBuffer(string: "retry: 3000\n: connected\n\n")
    public static let heartbeat = ByteBuffer(string: ": heartbeat\n\n")

    public static func reset(reason: String, lastEventId: Int64) -> ByteBuffer {
        ByteBuffer(
            string:
                "id: \(lastEventId)\nevent: reset\ndata: {\"reason\":\"\(reason)\",\"last_event_id\":\"\(lastEventId)\"}\n\n"
        )
    }

    /// The last frame of a stream the server ends (`slow_consumer`, `shutting_down`): the client reconnects with
    /// its `Last-Event-ID` and resumes.
    public static func end(_ reason: String) -> ByteBuffer {
        ByteBuffer(string: "event: close\ndata: {\"reason\":\"\(reason)\"}\n\n")
    }

    /// `data:` lines for an arbitrary payload (one line per line of text, as the format requires).
    public static func message(id: Int64?, event: String? = nil, data: String) -> ByteBuffer {
        var text = ""
        if let id { text += "id: \(id)\n" }
        if let event { text += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line)\n"
        }
        text += "\n"
        return ByteBuffer(string: text)
    }

    public static let encoding = SharedEvent.Encoding(slot: 0)

    /// An event's frame: `id:`, `event:` and one `data:` line (the envelope is one line of JSON), made once per event.
    public static func event(_ shared: SharedEvent) -> ByteBuffer {
        shared.encoded(encoding) { shared in
            var frame = ByteBuffer()
            frame.reserveCapacity(shared.envelope.readableBytes + 48)
            frame.writeString("id: \(shared.event.id)\nevent: \(shared.event.type.rawValue)\ndata: ")
            frame.writeImmutableBuffer(shared.envelope)
            frame.writeStaticString("\n\n")
            return frame
        }
    }

    /// The multiplexed stream's rendering: each event's shared frame, in one buffer when several are queued.
    public static func render(_ items: some Collection<Subscription.Item>) -> ByteBuffer {
        let frames = items.map { item in
            switch item {
            case .event(let shared): event(shared)
            case .heartbeat: heartbeat
            case .reset(let reason, let lastEventId): reset(reason: reason, lastEventId: lastEventId)
            case .control(let bytes): bytes
            }
        }
        if frames.count == 1 { return frames[0] }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(frames.reduce(0) { $0 + $1.readableBytes })
        for frame in frames { buffer.writeImmutableBuffer(frame) }
        return buffer
    }
}
