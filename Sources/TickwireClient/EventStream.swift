import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TickwireModel

/// What the event stream yields.
public enum StreamItem: Sendable, Equatable {
    /// One event of the log.
    case event(StreamEvent)
    /// The position asked for is gone (pruned, or from another database): read your state again, then go on.
    case reset(reason: String, lastEventId: String)
}

/// An event as the stream delivers it: its `id` orders every event of the server.
public struct StreamEvent: Decodable, Sendable, Equatable {
    public var id: String
    public var topic: String
    public var type: String
    public var timestamp: String
    public var data: JSONValue
}

extension TickwireClient {
    /// The events of `topics` (narrowed to a bot or a ticker) from now, or after `since`, until the task is
    /// cancelled. After any failure it reconnects with exponential backoff and jitter (from 0.5 s to 30 s) and
    /// resumes after the last event it yielded, so nothing is missed or repeated across reconnects and server
    /// restarts; the credential is asked for again at each connection, at once when the server ended the stream because
    /// its token expired. A connection that stays silent for
    /// `streamIdleTimeout` (no event and no heartbeat: the server or the network went away without closing it) is
    /// dropped and reopened the same way. A refused request (400, 401, 403, 404) ends the stream with its
    /// `TickwireError`, except a 401 with a `.provider` credential, asked for a new token up to three times first.
    public func events(
        topics: [String], botId: Int64? = nil, ticker: String? = nil, since: String? = nil
    ) -> AsyncThrowingStream<StreamItem, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StreamItem, any Error>.makeStream()
        let progress = StreamProgress(position: since)
        let task = Task {
            while !Task.isCancelled {
                do {
                    let heard = HeardFrom()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await follow(
                                topics: topics, botId: botId, ticker: ticker, after: progress.position, heard: heard
                            ) { item in
                                progress.advance(past: item)
                                continuation.yield(item)
                            }
                        }
                        group.addTask { try await heard.untilSilentFor(streamIdleTimeout) }
                        // Whichever ends first: the connection (closed, failed) or the silence.
                        try await group.next()
                        group.cancelAll()
                    }
                } catch let closed as StreamClosed where closed.reason.contains("auth_expired") {
                    // The credential's token expired: at once with the provider's next one, not after a backoff
                    // (on a loaded machine every connection of a short-lived token can end before it yields).
                    try? await Task.sleep(for: .milliseconds(50))
                    continue
                } catch let error as TickwireError where error.status == 401 && credential?.isProvider == true {
                    // A token from the provider that expired on its way: asked for again, three times at most.
                    if progress.refused() > 3 {
                        continuation.finish(throwing: error)
                        return
                    }
                } catch let error as TickwireError where [400, 401, 403, 404].contains(error.status) {
                    continuation.finish(throwing: error)
                    return
                } catch {
                    if Task.isCancelled { break }
                }
                try? await Task.sleep(for: .seconds(progress.nextDelay() * Double.random(in: 0.5...1.5)))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// One connection: yields until it ends.
    private func follow(
        topics: [String], botId: Int64?, ticker: String?, after position: String?, heard: HeardFrom,
        yield: @Sendable (StreamItem) -> Void
    ) async throws {
        let query: [String: String?] = [
            "topics": topics.joined(separator: ","), "bot_id": botId.map(String.init), "ticker": ticker,
        ]
        var request = HTTPClientRequest(url: url + "/api/v1/stream" + Self.queryString(query))
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let credential {
            request.headers.add(name: "Authorization", value: "Bearer \(try await credential.token())")
        }
        if let position { request.headers.add(name: "Last-Event-ID", value: position) }
        // No overall deadline: the stream is meant to stay open (the silence watch ends a dead one).
        let response = try await http.execute(request, deadline: .distantFuture)
        guard response.status.code == 200 else {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw TickwireError(status: Int(response.status.code), body: Data(buffer: body))
        }
        var parser = SSEParser()
        for try await chunk in response.body {
            heard.now()
            for message in parser.feed(chunk.readableBytesView) {
                if let item = try Self.item(message) { yield(item) }
            }
        }
    }

    static func item(_ message: SSEParser.Message) throws -> StreamItem? {
        switch message.event {
        case "reset":
            struct Reset: Decodable {
                let reason: String
                let lastEventId: String
                enum CodingKeys: String, CodingKey {
                    case reason
                    case lastEventId = "last_event_id"
                }
            }
            let reset = try JSONDecoder().decode(Reset.self, from: Data(message.data.utf8))
            return .reset(reason: reset.reason, lastEventId: reset.lastEventId)
        case "close":
            throw StreamClosed(reason: message.data)
        default:
            guard let event = try? JSONDecoder().decode(StreamEvent.self, from: Data(message.data.utf8)) else {
                return nil  // the opening hint, or anything else that is not an event
            }
            return .event(event)
        }
    }

    struct StreamClosed: Error {
        let reason: String
    }
}

/// Where a stream is (the last position yielded) and how long to wait before its next connection.
private final class StreamProgress: Sendable {
    private let state: Mutex<(position: String?, delay: Double, refusals: Int)>

    init(position: String?) { state = Mutex((position, 0.5, 0)) }

    var position: String? { state.withLock { $0.position } }

    /// An item was yielded: resume after it, and reconnect quickly next time.
    func advance(past item: StreamItem) {
        state.withLock { state in
            switch item {
            case .event(let event): state.position = event.id
            case .reset(_, let lastEventId): state.position = lastEventId
            }
            state.delay = 0.5
            state.refusals = 0
        }
    }

    /// A connection was refused (401): how many times in a row now.
    func refused() -> Int {
        state.withLock { state in
            state.refusals += 1
            return state.refusals
        }
    }

    /// The wait before the next connection: doubled after each one that yielded nothing, up to 30 s.
    func nextDelay() -> Double {
        state.withLock { state in
            let delay = state.delay
            state.delay = min(delay * 2, 30)
            return delay
        }
    }
}

/// When the connection last sent anything (an event or a heartbeat).
private final class HeardFrom: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func now() { last.withLock { $0 = .now } }

    /// Throws `StreamSilent` once nothing has been heard for `idle`.
    func untilSilentFor(_ idle: Duration) async throws {
        while true {
            let deadline = last.withLock { $0 } + idle
            if ContinuousClock.now >= deadline { throw StreamSilent() }
            try await Task.sleep(until: deadline)
        }
    }
}

struct StreamSilent: Error {}

/// Server-Sent Events, parsed as bytes arrive: `event:`, `data:` (joined by newlines) and `id:` fields, a blank line
/// ending each message, `:` comments (heartbeats) skipped.
struct SSEParser {
    struct Message: Equatable {
        var event: String?
        var data: String
        var id: String?
    }

    private var line: [UInt8] = []
    private var event: String?
    private var data: [String] = []
    private var id: String?

    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Message] {
        var messages: [Message] = []
        for byte in bytes {
            guard byte == UInt8(ascii: "\n") else {
                line.append(byte)
                continue
            }
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            line.removeAll(keepingCapacity: true)
            if text.isEmpty {
                if !data.isEmpty { messages.append(Message(event: event, data: data.joined(separator: "\n"), id: id)) }
                event = nil
                data = []
                id = nil
                continue
            }
            if text.hasPrefix(":") { continue }
            let name: Substring
            var value: Substring
            if let colon = text.firstIndex(of: ":") {
                name = text[..<colon]
                value = text[text.index(after: colon)...]
                if value.hasPrefix(" ") { value = value.dropFirst() }
            } else {
                name = Substring(text)
                value = ""
            }
            switch name {
            case "event": event = String(value)
            case "data": data.append(String(value))
            case "id": id = String(value)
            default: break
            }
        }
        return messages
    }
}
