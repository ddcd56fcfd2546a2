/// A ZooKeeper connect string: `host:port[,host:port...][/chroot]`, as in `zookeeper.connect`.
///
/// The chroot is applied by the C client to every path; it must exist before it is used, so brokers create it
/// through a connection without the chroot first (as Kafka does).
public struct ConnectString: Sendable, Hashable, CustomStringConvertible {
    public var hosts: [String]
    public var chroot: String?

    public init(parsing text: String) throws(ConnectStringError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        let hostPart: Substring
        if let slash = trimmed.firstIndex(of: "/") {
            hostPart = trimmed[..<slash]
            var root = String(trimmed[slash...])
            while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
            chroot = root == "/" ? nil : root
        } else {
            hostPart = Substring(trimmed)
            chroot = nil
        }
        hosts = hostPart.split(separator: ",").map { String($0).trimmingWhitespace() }
        guard !hosts.isEmpty, hosts.allSatisfy({ !$0.isEmpty }) else { throw .noHosts(text) }
        for host in hosts {
            guard let colon = host.lastIndex(of: ":"), let port = Int(host[host.index(after: colon)...]),
                (1...65535).contains(port), colon != host.startIndex
            else { throw .badHost(host) }
        }
    }

    public init(hosts: [String], chroot: String? = nil) {
        self.hosts = hosts
        self.chroot = chroot
    }

    /// The same servers without the chroot: used to create the chroot path itself.
    public var withoutChroot: ConnectString { ConnectString(hosts: hosts, chroot: nil) }

    public var description: String { hosts.joined(separator: ",") + (chroot ?? "") }
}

public enum ConnectStringError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case noHosts(String)
    case badHost(String)

    public var description: String {
        switch self {
        case .empty: return "the ZooKeeper connect string is empty"
        case .noHosts(let text): return "no host:port in ZooKeeper connect string '\(text)'"
        case .badHost(let host): return "'\(host)' is not a host:port pair"
        }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
