import Foundation
import TickwireModel

/// What a commit announces on `LogFollower.channel`: its events, so that other nodes need not read them back, or
/// only its last id when they do not fit in a notification (PostgreSQL refuses payloads of 8,000 bytes or more);
/// a node then reads the log.
enum CommitNotice {
    static let maxPayloadBytes = 7_900

    /// One event as carried in a notice (`data` stays the stored text, so what a node delivers is byte for byte
    /// what it would have read).
    private struct Carried: Codable {
        var id: Int64
        var ts: Int64
        var topic: String
        var type: String
        var data: String
        var bot: Int64?
        var ticker: String?
        var owner: Int64?
    }

    static func payload(for events: [Event]) -> String? {
        guard let last = events.last else { return nil }
        let carried = events.map {
            Carried(
                id: $0.id, ts: $0.timestamp.milliseconds, topic: $0.topic.rawValue, type: $0.type.rawValue,
                data: $0.data, bot: $0.botId, ticker: $0.ticker, owner: $0.ownerId)
        }
        if let json = try? JSONEncoder().encode(carried), json.count <= maxPayloadBytes {
            return String(decoding: json, as: UTF8.self)
        }
        return String(last.id)
    }

    /// The events a notice carries, or nil if it carries only an id (or is not a notice).
    static func events(in payload: String) -> [Event]? {
        guard payload.hasPrefix("["), let carried = try? JSONDecoder().decode([Carried].self, from: Data(payload.utf8))
        else { return nil }
        return carried.map {
            Event(
                id: $0.id, timestamp: Timestamp(milliseconds: $0.ts),
                draft: EventDraft(
                    topic: Topic(rawValue: $0.topic), type: EventType(rawValue: $0.type), data: $0.data,
                    botId: $0.bot, ticker: $0.ticker, ownerId: $0.owner))
        }
    }

    /// The last id of the commit a notice announces.
    static func lastId(in payload: String) -> Int64? {
        if let id = Int64(payload) { return id }
        return events(in: payload)?.last?.id
    }
}
