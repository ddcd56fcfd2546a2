/// The console's pages, from a request path (already percent-decoded by the server).
enum ConsoleRoute: Equatable {
    case overview
    case topics
    case topic(String)
    case groups
    /// Everything after `/groups/` is the id: a group id may contain '/'.
    case group(String)
    case zooKeeper

    init?(path: String) {
        switch path {
        case "/": self = .overview
        case "/topics", "/topics/": self = .topics
        case "/groups", "/groups/": self = .groups
        case "/zk", "/zk/": self = .zooKeeper
        default:
            if let name = Self.remainder(of: path, after: "/topics/") {
                self = .topic(name)
            } else if let id = Self.remainder(of: path, after: "/groups/") {
                self = .group(id)
            } else {
                return nil
            }
        }
    }

    private static func remainder(of path: String, after prefix: String) -> String? {
        guard path.hasPrefix(prefix), path.count > prefix.count else { return nil }
        return String(path.dropFirst(prefix.count))
    }
}
