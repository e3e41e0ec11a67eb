import NIOCore
import TickwireModel

/// An event with its wire encodings, made once when it is published and shared by every subscriber and transport:
/// a thousand subscribers hold a thousand references to the same bytes, not a thousand copies.
public final class SharedEvent: Sendable {
    public let event: Event
    /// The JSON envelope `{"id","topic","type","timestamp","data"}`: one WebSocket text frame.
    public let json: ByteBuffer
    /// The Server-Sent Events frame: `id:`, `event:` and `data:` lines and the blank line that ends the event.
    public let sse: ByteBuffer

    public init(_ event: Event) {
        self.event = event
        let envelope = event.envelopeJSON
        self.json = ByteBuffer(string: envelope)
        // The envelope is one line of JSON (the encoder never emits raw newlines), so one `data:` line suffices.
        self.sse = ByteBuffer(string: "id: \(event.id)\nevent: \(event.type.rawValue)\ndata: \(envelope)\n\n")
    }

    var size: Int { json.readableBytes + sse.readableBytes }
}
