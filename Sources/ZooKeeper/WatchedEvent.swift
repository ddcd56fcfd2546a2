internal import CZooKeeper

/// A change reported by a one-shot watch.
public struct WatchedEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case nodeCreated
        case nodeDeleted
        case nodeDataChanged
        case nodeChildrenChanged
        case notWatching
    }

    public var kind: Kind
    public var path: String

    init?(type: Int32, path: String) {
        switch type {
        case ZOO_CREATED_EVENT: kind = .nodeCreated
        case ZOO_DELETED_EVENT: kind = .nodeDeleted
        case ZOO_CHANGED_EVENT: kind = .nodeDataChanged
        case ZOO_CHILD_EVENT: kind = .nodeChildrenChanged
        case ZOO_NOTWATCHING_EVENT: kind = .notWatching
        default: return nil
        }
        self.path = path
    }
}
