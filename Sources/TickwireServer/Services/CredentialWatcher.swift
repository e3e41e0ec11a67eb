import Foundation
import Logging
import ServiceLifecycle
import TickwireHub
import TickwireModel
import TickwireService

/// Closes streams whose credentials stopped being valid, within a second:
/// - revocations (logout, key revoked, user disabled, password changed) arrive as `auth` events through the hub,
///   from this node's write path or, with a shared database, any node's;
/// - expiries (access and stream tokens, sessions) are swept once a second.
/// A client whose stream closed with `auth_expired` reconnects with fresh credentials and its last event id, and
/// resumes without loss.
struct CredentialWatcher: Service {
    let hub: Hub
    let cache: CredentialCache
    let logger: Logger

    func run() async throws {
        let revocations: Subscription
        do {
            revocations = try hub.subscribe(Interest(topics: [.auth]))
        } catch {
            return  // The hub is already closed: shutting down.
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await applyRevocations(revocations) }
                group.addTask { await sweepExpired() }
                await group.waitForAll()
            }
        }
        revocations.cancel()
    }

    private func applyRevocations(_ subscription: Subscription) async {
        while let items = try? await subscription.next() {
            for case .event(let shared) in items {
                guard
                    let revocation = try? JSONDecoder().decode(
                        Revocation.self, from: Data(shared.event.data.utf8))
                else { continue }
                cache.invalidate(userId: revocation.userId)
                let closed = hub.end(
                    where: {
                        revocation.covers(userId: $0.userId, credentialId: $0.credentialId, isSession: $0.isSession)
                    },
                    reason: .revoked)
                if closed > 0 {
                    logger.info("closed streams of revoked credentials", metadata: ["streams": "\(closed)"])
                }
            }
        }
    }

    private func sweepExpired() async {
        while (try? await Task.sleep(for: .seconds(1))) != nil {
            let now = WallClock.now().milliseconds
            hub.end(where: { $0.expiresAt.map { $0.milliseconds <= now } ?? false }, reason: .authExpired)
        }
    }
}
