import PostgresNIO
import TickwireModel

/// A `WHERE` clause built from optional filters with numbered parameters (`$1`, `$2`, ...): nil adds nothing.
struct PostgresConditions: ConditionBuilder {
    private(set) var clauses: [String] = []
    private(set) var binds = PostgresBindings()

    /// `clause` names the parameter as `?`, replaced by its number.
    mutating func add(_ clause: String, _ value: Int64?) { addBound(clause, value) }
    mutating func add(_ clause: String, _ value: String?) { addBound(clause, value) }

    private mutating func addBound<Value: PostgresNonThrowingEncodable & Sendable>(_ clause: String, _ value: Value?) {
        guard let value else { return }
        binds.append(value)
        clauses.append(clause.replacingOccurrences(of: "?", with: "$\(binds.count)"))
    }

    mutating func parameter(_ value: Int) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    var whereClause: String { clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ") }

    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

typealias PostgresQueries = ListQueries<PostgresConditions>
