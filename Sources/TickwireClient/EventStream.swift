import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
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
    /// restarts; the credential is asked for again at each connection. A refused request (400, 401, 403, 404) ends
    /// the stream with its `TickwireError`.
    public func events(
        topics: [String], botId: Int64? = nil, ticker: String? = nil, since: String? = nil
    ) -> AsyncThrowingStream<StreamItem, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StreamItem, any Error>.makeStream()
        let task = Task {
            var position = since
            var delay = 0.5
            while !Task.isCancelled {
                do {
                    try await follow(topics: topics, botId: botId, ticker: ticker, after: position) { item in
                        switch item {
                        case .event(let event): position = event.id
                        case .reset(_, let lastEventId): position = lastEventId
                        }
                        delay = 0.5
                        continuation.yield(item)
                    }
                } catch let error as TickwireError where [400, 401, 403, 404].contains(error.status) {
                    continuation.finish(throwing: error)
                    return
                } catch {
                    if Task.isCancelled { break }
                }
                try? await Task.sleep(for: .seconds(delay * Double.random(in: 0.5...1.5)))
                delay = min(delay * 2, 30)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// One connection: yields until it ends.
    private func follow(
        topics: [String], botId: Int64?, ticker: String?, after position: String?,
        yield: (StreamItem) -> Void
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
        // No overall deadline: the stream is meant to stay open. A dead connection shows as no bytes, not even the
        // 15 s heartbeat, within the read timeout of the HTTP client.
        let response = try await http.execute(request, deadline: .distantFuture)
        guard response.status.code == 200 else {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw TickwireError(status: Int(response.status.code), body: Data(buffer: body))
        }
        var parser = SSEParser()
        for try await chunk in response.body {
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
