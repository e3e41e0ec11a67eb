/// What a command decided: the value to save and the events to append with it, in the same transaction.
///
/// Commands are pure functions of the current state and the request: each store loads what a command needs, calls
/// it, saves the value and appends the events. The rules therefore live once, here, and not in each store.
public struct Decision<Value: Sendable>: Sendable {
    public var value: Value
    public var events: [EventDraft]

    public init(_ value: Value, events: [EventDraft]) {
        self.value = value
        self.events = events
    }

    /// Nothing to save and nothing to tell: the request asks for the state that already is.
    public static func unchanged(_ value: Value) -> Decision { Decision(value, events: []) }

    public var changes: Bool { !events.isEmpty }
}

/// A command that creates rows whose keys the database assigns: the rows to insert, and the decision once they
/// have their keys.
public struct Creation<Value: Sendable, Key>: Sendable {
    /// What to insert; its ids are placeholders until `saved(_:)`.
    public let row: Value
    private let decide: @Sendable (Key) -> Decision<Value>

    init(row: Value, decide: @escaping @Sendable (Key) -> Decision<Value>) {
        self.row = row
        self.decide = decide
    }

    /// The decision, given the keys the store assigned to `row`.
    public func saved(_ key: Key) -> Decision<Value> { decide(key) }
}

/// A change that the current state forbids (HTTP 409).
public struct CommandConflict: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
