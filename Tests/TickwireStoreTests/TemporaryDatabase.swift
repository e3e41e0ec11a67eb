import Foundation
import TickwireModel

@testable import TickwireStore

/// A fresh SQLite file in its own temporary folder, removed when the test ends.
struct TemporaryDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("tickwire.db").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tickwire-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func open() throws -> SQLiteStore { try SQLiteStore(path: path) }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    static func with<T>(_ body: (SQLiteStore, TemporaryDatabase) async throws -> T) async throws -> T {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        return try await body(try database.open(), database)
    }
}

let t0 = Timestamp(milliseconds: 1_737_720_000_000)

func at(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: t0.milliseconds + seconds * 1000) }

/// A bot on a margin market (it may go short) unless `market` says otherwise.
func makeBot(
    _ store: any Store, name: String = "alpha", ticker: String = "BTC/USDT", exchange: String = "binance",
    market: String = "margin"
) async throws -> Bot {
    try await store.createBot(
        NewBot(name: name, ticker: ticker, exchange: exchange, strategy: "sma", config: ["market": .string(market)]),
        at: t0
    ).value
}
