import ArgumentParser
import Foundation
import TickwireClient
import TickwireModel

/// `tickwire tail`: follow topics of a running server from the terminal, resuming after reconnects.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow a server's events (orders, logs, pnl, ...) as they happen; resumes after a reconnect.")

    @Option(help: "The server (env TICKWIRE_URL, default http://127.0.0.1:8080).")
    var url: String?

    @Option(help: "An API key or access token (env TICKWIRE_TOKEN).")
    var token: String?

    @Option(help: "Comma-separated topics: bots, orders, logs, pnl, prices, candles, backtests, models.ID, ...")
    var topics: String = "bots,orders,logs"

    @Option(help: "Only this bot's events.")
    var botId: Int64?

    @Option(help: "Only this ticker's prices.")
    var ticker: String?

    @Option(help: "Start after this event id (replays what followed it).")
    var since: String?

    @Flag(help: "Print each event as one line of JSON.")
    var json = false

    @Option(help: "Stop after this many events.")
    var count: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let client = TickwireClient(
            url: url ?? environment["TICKWIRE_URL"] ?? "http://127.0.0.1:8080",
            credential: (token ?? environment["TICKWIRE_TOKEN"]).map(TickwireClient.Credential.apiKey))
        let list = topics.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) }
        var printed = 0
        for try await item in client.events(topics: list, botId: botId, ticker: ticker, since: since) {
            FileHandle.standardOutput.write(Data((Self.line(item, json: json) + "\n").utf8))
            printed += 1
            if let count, printed >= count { return }
        }
    }

    static func line(_ item: StreamItem, json: Bool) -> String {
        switch item {
        case .reset(let reason, let lastEventId):
            return json
                ? JSONCoding.encodeToString([
                    "type": JSONValue.string("reset"), "reason": .string(reason), "last_event_id": .string(lastEventId),
                ])
                : "-- reset (\(reason)): the position is gone; continuing after \(lastEventId)"
        case .event(let event):
            if json {
                return JSONCoding.encodeToString([
                    "id": JSONValue.string(event.id), "topic": .string(event.topic), "type": .string(event.type),
                    "timestamp": .string(event.timestamp), "data": event.data,
                ])
            }
            return
                "\(event.id) \(event.timestamp) \(event.topic) \(event.type) \(JSONCoding.encodeToString(event.data))"
        }
    }
}
