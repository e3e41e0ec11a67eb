import Foundation
import Synchronization
import Testing
import TickwireModel

@testable import TickwireStore

/// `LogFollower` on its own: which announcements it publishes as they are and which send it to the log.
struct LogFollowerTests {
    /// An event log in memory that counts its reads.
    final class Log: Sendable {
        let events: [Event]
        let reads = Mutex(0)
        init(_ ids: ClosedRange<Int64>) { events = ids.map(LogFollowerTests.event) }
        func read(after: Int64, limit: Int) -> [Event] {
            reads.withLock { $0 += 1 }
            return Array(events.filter { $0.id > after }.prefix(limit))
        }
    }

    static func event(_ id: Int64) -> Event {
        Event(
            id: id, timestamp: Timestamp(milliseconds: 1_700_000_000_000 + id),
            draft: EventDraft(
                topic: .logs, type: .logCreated, data: #"{"message":"n\#(id) \"quoted\" \\ ü"}"#,
                botId: id % 2 == 0 ? id : nil,
                ticker: nil, ownerId: nil))
    }

    /// A payload as `PostgresStore.appendQuery` builds it.
    static func payload(_ ids: ClosedRange<Int64>) throws -> String {
        let rows: [[Any]] = ids.map { id in
            let event = event(id)
            return [
                event.id, event.topic.rawValue, event.type.rawValue, event.timestamp.milliseconds,
                event.botId.map { $0 as Any } ?? NSNull(), NSNull(), event.data, NSNull(),
            ]
        }
        return "\(ids.upperBound) " + String(decoding: try JSONSerialization.data(withJSONObject: rows), as: UTF8.self)
    }

    func follower(_ log: Log, at position: Int64) -> (LogFollower, MultiNodeTests.Recorder) {
        let recorder = MultiNodeTests.Recorder()
        let follower = LogFollower(
            from: position, reader: { after, limit in log.read(after: after, limit: limit) },
            publisher: { recorder })
        return (follower, recorder)
    }

    @Test func theNextEventsArePublishedAsAnnouncedWithoutAReadOfTheLog() async throws {
        let log = Log(1...5)
        let (follower, recorder) = follower(log, at: 2)
        try await follower.announced(try Self.payload(3...4))
        try await follower.announced(try Self.payload(5...5))
        #expect(recorder.events.withLock { $0 } == Array(log.events[2...4]))
        #expect(log.reads.withLock { $0 } == 0)
        #expect(follower.delivered == 5)
    }

    @Test func aGapBeforeTheAnnouncedEventsIsFilledFromTheLog() async throws {
        let log = Log(1...6)
        let (follower, recorder) = follower(log, at: 1)
        // Events 2 and 3 were announced to a connection that is gone: 4...5 cannot be published before them.
        try await follower.announced(try Self.payload(4...5))
        #expect(recorder.ids == [2, 3, 4, 5, 6])
        #expect(log.reads.withLock { $0 } == 1)
    }

    @Test func announcementsAlreadyDeliveredPublishNothing() async throws {
        let log = Log(1...4)
        let (follower, recorder) = follower(log, at: 4)
        try await follower.announced(try Self.payload(3...4))
        try await follower.announced("4")
        #expect(recorder.ids.isEmpty)
        #expect(log.reads.withLock { $0 } == 0)
    }

    @Test func anOverlappingAnnouncementPublishesOnlyWhatIsNew() async throws {
        let log = Log(1...5)
        let (follower, recorder) = follower(log, at: 3)
        try await follower.announced(try Self.payload(2...5))
        #expect(recorder.ids == [4, 5])
        #expect(log.reads.withLock { $0 } == 0)
    }

    @Test func aLastIdOrAPayloadThatDoesNotParseIsReadFromTheLog() async throws {
        let log = Log(1...3)
        let (follower, recorder) = follower(log, at: 0)
        try await follower.announced("2")
        #expect(recorder.ids == [1, 2, 3])
        #expect(log.reads.withLock { $0 } == 1)
        try await follower.announced("4 [[4, \"logs\"")
        #expect(log.reads.withLock { $0 } == 2, "events that do not parse are not trusted: the log is read")
        try await follower.announced("[[5, \"logs\"")
        #expect(log.reads.withLock { $0 } == 3, "nor is a payload without its last id")
        #expect(recorder.ids == [1, 2, 3])
    }
}
