import Foundation
import Logging
import ServiceLifecycle
import TickwireHub
import TickwireModel
import TickwireService

/// Closes streams whose credentials or rights changed, within a second:
/// - revocations (logout, key revoked, user disabled, password or role changed) arrive as `auth` events through the
///   hub, from this node's write path or, with a shared database, any node's;
/// - expiries (access and stream tokens, sessions) are swept once a second.
/// A client whose stream closed with `auth_expired` or `role_changed` reconnects with valid credentials and its last
/// event id, and resumes without loss.
struct CredentialWatcher: Service {
    let hub: Hub
    let cache: CredentialCache
    /// Where a resubscription reads revocations older than the hub's history.
    let log: any EventLogReader
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await followRevocations() }
                group.addTask { await sweepExpired() }
                await group.waitForAll()
            }
        }
    }

    /// Follows `auth` until shutdown. Should the hub drop the subscription (a burst larger than its queue), it reads
    /// what it missed from the log itself, a page at a time, and subscribes again from there: none is skipped.
    private func followRevocations() async {
        var lastId = hub.head
        while !Task.isCancelled {
            let subscription: Subscription
            do {
                subscription = try hub.subscribe(Interest(topics: [.auth]), after: lastId, log: log)
            } catch {
                return  // The hub is closed: shutting down.
            }
            do {
                while true {
                    for case .event(let shared) in try await subscription.next() {
                        apply(shared.event)
                        lastId = shared.event.id
                    }
                }
            } catch Subscription.EndReason.slowConsumer {
                logger.warning("the credential watcher fell behind the auth topic; catching up from the log")
                lastId = await catchUp(after: lastId)
            } catch {
                subscription.cancel()
                return  // cancelled, or the hub closed
            }
        }
    }

    /// Applies the revocations after `lastId` straight from the log; returns the last id read. If the log cannot be
    /// read, every cached credential is forgotten (each is checked against the database again) and it goes on from
    /// the hub's head.
    private func catchUp(after lastId: Int64) async -> Int64 {
        var position = lastId
        do {
            while true {
                let page = try await log.events(after: position, limit: Self.catchUpPage)
                for event in page where event.topic == .auth { apply(event) }
                guard let last = page.last else { return position }
                position = last.id
                if page.count < Self.catchUpPage { return position }
            }
        } catch {
            logger.error("the credential watcher could not read the log", metadata: ["error": "\(error)"])
            cache.invalidateAll()
            return hub.head
        }
    }

    static let catchUpPage = 500

    private func apply(_ event: Event) {
        guard let revocation = try? JSONDecoder().decode(Revocation.self, from: Data(event.data.utf8)) else { return }
        cache.invalidate(userId: revocation.userId)
        let closed = hub.end(
            where: { revocation.covers(userId: $0.userId, credentialId: $0.credentialId, isSession: $0.isSession) },
            reason: Subscription.EndReason(rawValue: revocation.reason) ?? .revoked)
        if closed > 0 {
            logger.info("closed streams of revoked credentials", metadata: ["streams": "\(closed)"])
        }
    }

    private func sweepExpired() async {
        while (try? await Task.sleep(for: .seconds(1))) != nil {
            let now = WallClock.now().milliseconds
            hub.end(where: { $0.expiresAt.map { $0.milliseconds <= now } ?? false }, reason: .authExpired)
        }
    }
}
