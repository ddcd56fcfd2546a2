import Foundation
import GregorTestSupport
import Logging
import ZooKeeper

/// One real ZooKeeper server for this whole test target (started on first use, killed at process exit by the
/// fixture's registry). Tests stay independent by working under their own unique root path.
enum SharedServer {
    private static let server = Task { try await ZooKeeperServer.start() }

    static func get() async throws -> ZooKeeperServer { try await server.value }

    /// A connected client plus a fresh, empty root path for one test.
    static func client(
        chroot: String? = nil, sessionTimeout: Duration = .seconds(6)
    ) async throws -> ZooKeeperClient {
        let server = try await get()
        var connect = try ConnectString(parsing: server.connectString)
        connect.chroot = chroot
        return try await ZooKeeperClient.connect(
            to: connect, sessionTimeout: sessionTimeout, connectionTimeout: .seconds(10),
            logger: Logger(label: "test.zookeeper"))
    }

    static func uniqueRoot(_ name: String = #function) -> String {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        return "/test-\(clean)-\(UUID().uuidString.prefix(8))"
    }
}

extension AsyncStream {
    /// Every element until the stream finishes, waiting at most `timeout` (for streams that must finish).
    func collect(timeout: Duration = .seconds(10)) async throws -> [Element] where Element: Sendable {
        try await withThrowingTaskGroup(of: [Element]?.self) { group in
            group.addTask {
                var all: [Element] = []
                for await element in self { all.append(element) }
                return all
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let result = try await group.next()!, let elements = result as [Element]? else {
                throw TimedOut()
            }
            return elements
        }
    }
}

struct TimedOut: Error {}
