import NIOCore
import Synchronization
import TickwireModel

/// An event with its wire encodings, made once when it is published and shared by every subscriber and transport:
/// a thousand subscribers hold a thousand references to the same bytes, not a thousand copies.
public final class SharedEvent: Sendable {
    public let event: Event
    /// The JSON envelope `{"id","topic","type","timestamp","data"}`: one WebSocket text frame.
    public let json: ByteBuffer
    /// The Server-Sent Events frame: `id:`, `event:` and `data:` lines and the blank line that ends the event.
    public let sse: ByteBuffer

    /// The two forms a transport can frame (`framed(_:by:)`).
    public enum Form: Sendable {
        case json, sse
    }

    /// Each form as the one transport that sends it frames it for the wire (a WebSocket frame around `json`, an
    /// HTTP/1.1 chunk around `sse`): made by the first subscriber that needs it, then shared like the rest, so a
    /// delivery is one shared buffer and one write.
    private let framings = Mutex<(json: ByteBuffer?, sse: ByteBuffer?)>((nil, nil))

    public init(_ event: Event) {
        self.event = event
        let envelope = event.envelopeJSON
        self.json = ByteBuffer(string: envelope)
        // The envelope is one line of JSON (the encoder never emits raw newlines), so one `data:` line suffices.
        self.sse = ByteBuffer(string: "id: \(event.id)\nevent: \(event.type.rawValue)\ndata: \(envelope)\n\n")
    }

    var size: Int { json.readableBytes + sse.readableBytes }

    /// `form` framed by `frame`, which runs once per event and form (the first call's `frame` is the one kept).
    public func framed(_ form: Form, by frame: (ByteBuffer) -> ByteBuffer) -> ByteBuffer {
        framings.withLock { framings in
            switch form {
            case .json:
                if let framed = framings.json { return framed }
                let framed = frame(json)
                framings.json = framed
                return framed
            case .sse:
                if let framed = framings.sse { return framed }
                let framed = frame(sse)
                framings.sse = framed
                return framed
            }
        }
    }
}
