import Foundation
import PostgresNIO
import TickwireModel

/// Row decoders for the PostgreSQL store, by column name; the column lists are `Columns`, shared with SQLite.
typealias PGRow = PostgresRandomAccessRow

struct PostgresDataError: Error, CustomStringConvertible {
    let description: String
}

extension PostgresRandomAccessRow {
    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }

    func timestamp(_ column: String) throws -> Timestamp { Timestamp(milliseconds: try value(column)) }

    func optionalTimestamp(_ column: String) throws -> Timestamp? {
        try value(column, as: Int64?.self).map(Timestamp.init(milliseconds:))
    }

    func enumeration<E: RawRepresentable>(_ column: String, as type: E.Type = E.self) throws -> E
    where E.RawValue == String {
        let raw: String = try value(column)
        guard let value = E(rawValue: raw) else {
            throw PostgresDataError(description: "unexpected value '\(raw)' for \(E.self) in column \(column)")
        }
        return value
    }

    func config(_ column: String, of entity: String) throws -> [String: JSONValue] {
        let text: String = try value(column)
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8)) else {
            throw PostgresDataError(description: "\(entity) has a config that is not a JSON object")
        }
        return object
    }
}

extension Bot {
    init(pg row: PGRow) throws {
        let id: Int64 = try row.value("id")
        self.init(
            id: id, name: try row.value("name"), ticker: try row.value("ticker"), exchange: try row.value("exchange"),
            strategy: try row.value("strategy"), config: try row.config("config", of: "bot \(id)"),
            status: try row.enumeration("status"), createdAt: try row.timestamp("created_at"),
            updatedAt: try row.timestamp("updated_at"), ownerId: try row.value("owner_id"))
    }
}

extension Order {
    init(pg row: PGRow) throws {
        self.init(
            id: try row.value("id"), botId: try row.value("bot_id"),
            exchangeOrderId: try row.value("exchange_order_id"), side: try row.enumeration("side"),
            type: try row.enumeration("type"), quantity: try row.value("quantity"), price: try row.value("price"),
            status: try row.enumeration("status"), filledQuantity: try row.value("filled_quantity"),
            avgFillPrice: try row.value("avg_fill_price"), createdAt: try row.timestamp("created_at"),
            updatedAt: try row.timestamp("updated_at"))
    }
}

extension Candle {
    init(pg row: PGRow) throws {
        self.init(
            ticker: try row.value("ticker"), exchange: try row.value("exchange"), interval: try row.enumeration("span"),
            start: try row.timestamp("start"), open: try row.value("open"), high: try row.value("high"),
            low: try row.value("low"), close: try row.value("close"), volume: try row.value("volume"),
            closeTime: try row.timestamp("close_time"))
    }
}

extension Fill {
    init(pg row: PGRow) throws {
        self.init(
            id: try row.value("id"), orderId: try row.value("order_id"), botId: try row.value("bot_id"),
            side: try row.enumeration("side"), quantity: try row.value("quantity"), price: try row.value("price"),
            fee: try row.value("fee"), timestamp: try row.timestamp("timestamp"))
    }
}

extension ActivityLog {
    init(pg row: PGRow) throws {
        self.init(
            id: try row.value("id"), botId: try row.value("bot_id"), level: try row.enumeration("level"),
            message: try row.value("message"), timestamp: try row.timestamp("timestamp"))
    }
}

extension Price {
    init(pg row: PGRow) throws {
        self.init(
            ticker: try row.value("ticker"), exchange: try row.value("exchange"), price: try row.value("price"),
            timestamp: try row.timestamp("timestamp"))
    }
}

extension Position {
    init(pg row: PGRow) throws {
        self.init(
            botId: try row.value("bot_id"), quantity: try row.value("quantity"),
            avgEntryPrice: try row.value("avg_entry_price"), realizedPnl: try row.value("realized_pnl"),
            fees: try row.value("fees"), updatedAt: try row.timestamp("updated_at"),
            closedTrades: Int(clamping: try row.value("closed_trades", as: Int64.self)),
            winningTrades: Int(clamping: try row.value("winning_trades", as: Int64.self)),
            tradePnl: try row.value("trade_pnl"), peakEquity: try row.value("peak_equity"),
            maxDrawdownPct: try row.value("max_drawdown_pct"))
    }
}

extension Event {
    init(pg row: PGRow) throws {
        self.init(
            id: try row.value("id"), timestamp: try row.timestamp("timestamp"),
            draft: EventDraft(
                topic: Topic(rawValue: try row.value("topic")), type: EventType(rawValue: try row.value("type")),
                data: try row.value("data"), botId: try row.value("bot_id"), ticker: try row.value("ticker"),
                ownerId: try row.value("owner_id")))
    }
}

extension User {
    init(pg row: PGRow) throws {
        self.init(
            id: try row.value("id"), username: try row.value("username"), role: try row.enumeration("role"),
            disabled: try row.value("disabled"), createdAt: try row.timestamp("created_at"),
            updatedAt: try row.timestamp("updated_at"))
    }
}

extension APIKeyCredentials {
    init(pg row: PGRow) throws {
        let scopes = try (row.value("scopes") as String).split(separator: ",").map { name in
            guard let scope = Scope(rawValue: String(name)) else {
                throw PostgresDataError(description: "unexpected scope '\(name)'")
            }
            return scope
        }
        self.init(
            key: APIKey(
                id: try row.value("id"), userId: try row.value("user_id"), name: try row.value("name"),
                scopes: scopes, createdAt: try row.timestamp("created_at"),
                revokedAt: try row.optionalTimestamp("revoked_at")),
            secretHash: try row.value("secret_hash"))
    }
}

extension Session {
    init(pg row: PGRow) throws {
        self.init(
            id: try row.value("id"), userId: try row.value("user_id"), secretHash: try row.value("secret_hash"),
            createdAt: try row.timestamp("created_at"), expiresAt: try row.timestamp("expires_at"),
            revokedAt: try row.optionalTimestamp("revoked_at"))
    }
}

extension TradingModel {
    init(pg row: PGRow) throws {
        let id: Int64 = try row.value("id")
        self.init(
            id: id, ownerId: try row.value("owner_id"), name: try row.value("name"), policy: try row.value("policy"),
            config: try row.config("config", of: "trading model \(id)"), botId: try row.value("bot_id"),
            createdAt: try row.timestamp("created_at"), updatedAt: try row.timestamp("updated_at"))
    }
}

extension ModelSession {
    init(pg row: PGRow) throws {
        self.init(
            id: try row.value("id"), modelId: try row.value("model_id"), status: try row.enumeration("status"),
            decisions: Int(try row.value("decisions", as: Int64.self)), startedAt: try row.timestamp("started_at"),
            endedAt: try row.optionalTimestamp("ended_at"), summary: try row.value("summary"))
    }
}
