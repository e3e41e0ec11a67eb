import NIOCore
import Synchronization
import TickwireModel

/// An event as every subscriber of it receives it, made once when it is published: a thousand subscribers hold a
/// thousand references to the same bytes, not a thousand copies.
///
/// The hub knows no wire format. It keeps the event's JSON envelope, which every transport carries, and a few slots
/// where the transports keep their own encodings of it (an SSE frame, an HTTP chunk, a WebSocket frame): each is made
/// by the first subscriber that needs it and then shared like the envelope, so a delivery is one shared buffer and
/// one write.
public final class SharedEvent: Sendable {
    public let event: Event
    /// `{"id","topic","type","timestamp","data"}`, one line of JSON.
    public let envelope: ByteBuffer
    private let encodings = Mutex<[ByteBuffer?]>(Array(repeating: nil, count: Encoding.slots))

    /// A transport's encoding of events: one slot of every `SharedEvent`. Each transport declares its own.
    public struct Encoding: Sendable {
        /// How many encodings an event can keep.
        public static let slots = 4
        let slot: Int

        /// `slot` must be below `slots` and used by one encoding only.
        public init(slot: Int) {
            precondition((0..<Self.slots).contains(slot), "an event keeps \(Self.slots) encodings")
            self.slot = slot
        }
    }

    public init(_ event: Event) {
        self.event = event
        self.envelope = ByteBuffer(string: event.envelopeJSON)
    }

    /// What a queued event counts against a subscriber's `maxQueuedBytes`: the envelope and one transport's copy.
    var size: Int { 2 * envelope.readableBytes + 64 }

    /// The event in `encoding`, made by `encode` the first time it is asked for; later calls share that buffer. `encode`
    /// runs outside the lock (it may build on another encoding); if two subscribers race, the first stored wins.
    public func encoded(_ encoding: Encoding, by encode: (SharedEvent) -> ByteBuffer) -> ByteBuffer {
        if let encoded = encodings.withLock({ $0[encoding.slot] }) { return encoded }
        let made = encode(self)
        return encodings.withLock { encodings in
            if let encoded = encodings[encoding.slot] { return encoded }
            encodings[encoding.slot] = made
            return made
        }
    }
}
