import Synchronization
import TickwireModel

/// Where committed events go; set once before serving, read on every commit.
final class PublisherSlot: Sendable {
    private let value = Mutex<any EventPublisher>(DiscardingPublisher())
    var current: any EventPublisher {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
