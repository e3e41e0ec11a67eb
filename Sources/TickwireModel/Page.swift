/// Keyset pagination over rows with monotonic ids, newest first.
///
/// The cursor is the id of the last row served; the next page asks for ids below it. Rows inserted meanwhile get
/// larger ids, so they can neither shift a page nor be served twice (offset pagination would do both).
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maxLimit = 500

    public var limit: Int
    public var before: Int64?

    public init(limit: Int = PageRequest.defaultLimit, before: Int64? = nil) {
        self.limit = limit
        self.before = before
    }
}

public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// The cursor for the following page, nil on the last one.
    public var nextCursor: Int64?

    public init(items: [Item], nextCursor: Int64?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
