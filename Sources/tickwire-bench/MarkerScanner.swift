/// What one subscriber of `bench stream` makes of the bytes it reads: the `bench:SEQ:NANOS` markers of the events
/// it received, and, on a WebSocket, the pings it must answer (the server closes sockets that do not).
struct MarkerScanner {
    let webSocket: Bool
    /// Microseconds from each event's send time to the moment its bytes reached the subscriber's socket (the
    /// kernel's receive timestamp), and to the moment the generator read them.
    private(set) var arrivals: [UInt32] = []
    private(set) var reads: [UInt32] = []
    var received: Int { reads.count }

    private var headDone = false
    private var carry: [UInt8] = []
    private var frameHeader: [UInt8] = []
    private var payloadLeft = 0
    private var pingPayload: [UInt8]?

    static let marker = Array("bench:".utf8)
    static let headEnd = Array("\r\n\r\n".utf8)

    init(webSocket: Bool) { self.webSocket = webSocket }

    /// Takes one read. Returns the bytes to send back, if any: the WebSocket subscribe frame once the upgrade's
    /// head is in, and pongs. `arrivedAt` and `readAt` are wall-clock nanoseconds.
    mutating func take(_ bytes: UnsafeRawBufferPointer, arrivedAt: UInt64, readAt: UInt64) -> (
        reply: [UInt8], headComplete: Bool
    ) {
        var reply: [UInt8] = []
        guard headDone else {
            carry.append(contentsOf: bytes)
            guard let end = Self.find(Self.headEnd, in: carry) else { return ([], false) }
            headDone = true
            if webSocket { reply += Self.maskedText(#"{"type":"subscribe","topics":["logs"]}"#) }
            let rest = Array(carry[(end + 4)...])
            carry = []
            rest.withUnsafeBytes {
                reply += trackFrames($0)
                scan($0, arrivedAt: arrivedAt, readAt: readAt)
            }
            return (reply, true)
        }
        reply += trackFrames(bytes)
        if carry.isEmpty {
            scan(bytes, arrivedAt: arrivedAt, readAt: readAt)
        } else {
            // A marker was cut by the end of the previous read (rare): join the two.
            var joined = carry
            joined.append(contentsOf: bytes)
            carry = []
            joined.withUnsafeBytes { scan($0, arrivedAt: arrivedAt, readAt: readAt) }
        }
        return (reply, false)
    }

    /// Records every complete marker; keeps a marker cut by the end of the bytes for the next read.
    private mutating func scan(_ bytes: UnsafeRawBufferPointer, arrivedAt: UInt64, readAt: UInt64) {
        let marker = Self.marker
        let count = bytes.count
        var index = 0
        while index < count {
            guard bytes[index] == marker[0] else {
                index += 1
                continue
            }
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
                carry = Array(bytes[index...])
                return
            }
            arrivals.append(Self.micros(from: sent, to: arrivedAt))
            reads.append(Self.micros(from: sent, to: readAt))
            index = cursor
        }
    }

    private static func micros(from sent: UInt64, to then: UInt64) -> UInt32 {
        UInt32(min(UInt64(UInt32.max), then > sent ? (then - sent) / 1000 : 0))
    }

    /// WebSocket only: follows frame boundaries to find pings; returns the pongs that answer them.
    private mutating func trackFrames(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        guard webSocket else { return [] }
        var pongs: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if payloadLeft > 0 {
                let take = min(payloadLeft, bytes.count - index)
                pingPayload?.append(contentsOf: bytes[index..<(index + take)])
                index += take
                payloadLeft -= take
                if payloadLeft == 0 { pongs += pong() }
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
            if length == 0 { pongs += pong() }
        }
        return pongs
    }

    private mutating func pong() -> [UInt8] {
        guard let payload = pingPayload else { return [] }
        pingPayload = nil
        return [0x8A, 0x80 | UInt8(payload.count), 0, 0, 0, 0] + payload  // a zero mask
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count)
        where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }

    /// A client-to-server text frame (clients must mask; a zero mask keeps the payload readable).
    static func maskedText(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        return [0x81, 0x80 | UInt8(payload.count), 0, 0, 0, 0] + payload
    }
}
