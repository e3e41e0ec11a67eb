import Testing
import TickwireModel

@Suite struct AccountCommandsTests {
    func revocations(_ decision: Decision<User>) -> [String] {
        decision.events.map { event in
            if case .string(let target) = Fixtures.payload(event)["target"] { return target }
            return "?"
        }
    }

    @Test func eachChangeToAUserEndsWhatItMust() {
        let user = Fixtures.user()
        #expect(
            revocations(
                AccountCommands.updateUser(user, role: nil, disabled: nil, passwordChanged: false, at: Fixtures.t1))
                == [])
        #expect(
            revocations(
                AccountCommands.updateUser(user, role: nil, disabled: true, passwordChanged: false, at: Fixtures.t1))
                == ["user"])
        #expect(
            revocations(
                AccountCommands.updateUser(user, role: nil, disabled: nil, passwordChanged: true, at: Fixtures.t1)) == [
                    "sessions"
                ])
        #expect(
            revocations(
                AccountCommands.updateUser(user, role: .admin, disabled: nil, passwordChanged: false, at: Fixtures.t1))
                == ["streams"])
        #expect(
            revocations(
                AccountCommands.updateUser(user, role: .user, disabled: false, passwordChanged: false, at: Fixtures.t1))
                == [])
        let all = AccountCommands.updateUser(user, role: .admin, disabled: true, passwordChanged: true, at: Fixtures.t1)
        #expect(revocations(all) == ["user", "sessions", "streams"])
        #expect(all.value.updatedAt == Fixtures.t1)
        #expect(all.events.allSatisfy { $0.topic == .auth && $0.ownerId == 9 })
    }

    @Test func revokingAKeyOnceRevokesItAndAgainChangesNothing() {
        let key = APIKey(id: "k1", userId: 9, name: "bot", scopes: [.read], createdAt: Fixtures.t0)
        let first = AccountCommands.revokeKey(key, at: Fixtures.t1)
        #expect(first.changes)
        #expect(first.value.revokedAt == Fixtures.t1)
        #expect(Fixtures.payload(first.events[0])["credential_id"] == .string("k1"))
        let again = AccountCommands.revokeKey(first.value, at: Timestamp(milliseconds: 9_000))
        #expect(!again.changes)
        #expect(again.value.revokedAt == Fixtures.t1)
    }

    @Test func revokingASessionOnceRevokesItAndAgainChangesNothing() {
        let session = Session(id: "s1", userId: 9, secretHash: "h", createdAt: Fixtures.t0, expiresAt: Fixtures.t1)
        let first = AccountCommands.revokeSession(session, at: Fixtures.t1)
        #expect(first.changes)
        #expect(Fixtures.payload(first.events[0])["credential_id"] == .string("s1"))
        #expect(!AccountCommands.revokeSession(first.value, at: Fixtures.t1).changes)
    }
}
