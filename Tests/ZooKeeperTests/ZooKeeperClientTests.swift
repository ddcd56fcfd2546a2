import Foundation
import GregorTestSupport
import Testing
import ZooKeeper

@Suite("ZooKeeper client against a real server")
struct ZooKeeperClientTests {
    @Test func createGetSetDeleteRoundTrip() async throws {
        let zk = try await SharedServer.client()
        defer { Task { await zk.close() } }
        let root = SharedServer.uniqueRoot()
        let created = try await zk.create(root, data: Array("hello".utf8))
        #expect(created == root)
        let (data, stat) = try await zk.getData(root)
        #expect(String(decoding: data, as: UTF8.self) == "hello")
        #expect(stat.version == 0)
        #expect(!stat.isEphemeral)
        let newStat = try await zk.setData(root, data: [], version: 0)
        #expect(newStat.version == 1)
        #expect(try await zk.getData(root).data.isEmpty)
        try await zk.delete(root, version: 1)
        #expect(try await zk.exists(root) == nil)
        await #expect(throws: ZooKeeperError.noNode) { try await zk.getData(root) }
        await #expect(throws: ZooKeeperError.nodeExists) {
            try await zk.create(root)
            try await zk.create(root)
        }
    }

    @Test func wrongVersionIsBadVersion() async throws {
        let zk = try await SharedServer.client()
        defer { Task { await zk.close() } }
        let root = SharedServer.uniqueRoot()
        try await zk.create(root, data: [1])
        await #expect(throws: ZooKeeperError.badVersion) { try await zk.setData(root, data: [2], version: 7) }
        await #expect(throws: ZooKeeperError.badVersion) { try await zk.delete(root, version: 3) }
        #expect(try await zk.getData(root).data == [1])
    }

    @Test func sequentialAndRecursiveCreates() async throws {
        let zk = try await SharedServer.client()
        defer { Task { await zk.close() } }
        let root = SharedServer.uniqueRoot()
        let first = try await zk.createRecursively("\(root)/a/b/isr_change_", mode: .persistentSequential)
        let second = try await zk.create("\(root)/a/b/isr_change_", mode: .persistentSequential)
        #expect(first == "\(root)/a/b/isr_change_0000000000")
        #expect(second == "\(root)/a/b/isr_change_0000000001")
        try await zk.ensurePath("\(root)/a/b")  // existing: no error
        #expect(try await zk.getChildren("\(root)/a/b").sorted() == ["isr_change_0000000000", "isr_change_0000000001"])
        await #expect(throws: ZooKeeperError.notEmpty) { try await zk.delete(root) }
        try await zk.deleteRecursively(root)
        #expect(try await zk.exists(root) == nil)
    }

    @Test func ephemeralNodeVanishesWhenItsSessionCloses() async throws {
        let owner = try await SharedServer.client()
        let observer = try await SharedServer.client()
        defer { Task { await observer.close() } }
        let root = SharedServer.uniqueRoot()
        try await observer.create(root)
        try await owner.create("\(root)/e", data: Array("x".utf8), mode: .ephemeral)
        let (stat, watch) = try await observer.existsAndWatch("\(root)/e")
        #expect(stat?.ephemeralOwner == owner.sessionID)
        await owner.close()
        #expect(owner.state == .closed)
        // Gone at once: the close itself deleted it, no session timeout involved.
        #expect(try await observer.exists("\(root)/e") == nil)
        #expect(try await watch.collect().map(\.kind) == [.nodeDeleted])
        await #expect(throws: ZooKeeperError.closed) { try await owner.exists(root) }
    }

    @Test func multiOpIsAllOrNothing() async throws {
        let zk = try await SharedServer.client()
        defer { Task { await zk.close() } }
        let root = SharedServer.uniqueRoot()
        try await zk.create(root, data: Array("0".utf8))
        let failing: [ZooKeeperOperation] = [
            .create(path: "\(root)/a", data: [], mode: .persistent),
            .setData(path: root, data: Array("1".utf8), version: 0),
            .check(path: root, version: 5),
        ]
        do {
            try await zk.multi(failing)
            Issue.record("a multi-op with a failing check succeeded")
        } catch let error as ZooKeeperMultiError {
            #expect(error.index == 2)
            #expect(error.error == .badVersion)
        }
        #expect(try await zk.exists("\(root)/a") == nil)
        #expect(try await zk.getData(root).data == Array("0".utf8))

        let results = try await zk.multi([
            .check(path: root, version: 0),
            .create(path: "\(root)/s-", data: [9], mode: .persistentSequential),
            .setData(path: root, data: Array("1".utf8), version: 0),
            .delete(path: "\(root)/s-0000000000", version: 0),
        ])
        #expect(results.count == 4)
        #expect(results[0] == .checked)
        #expect(results[1] == .created(path: "\(root)/s-0000000000"))
        guard case .dataSet(let stat) = results[2] else { Issue.record("no stat for setData"); return }
        #expect(stat.version == 1)
        #expect(results[3] == .deleted)
        #expect(try await zk.getChildren(root).isEmpty)
    }

    /// libzookeeper's `zoo_amulti` frees a refused step's chrooted path twice (and later steps' garbage): a step
    /// with a path the C client refuses must fail in Swift, before C sees it, and leave the process healthy.
    @Test func multiWithAnInvalidStepFailsBeforeReachingC() async throws {
        let (plain, rooted, root) = try await plainAndRooted()
        defer { Task { await plain.close(); await rooted.close() } }
        try await rooted.create("/n", data: Array("0".utf8))
        for invalid in ["/a//b", "/n/.", "/n/../n", "/n/", "n", "/n\u{0}x", "/n/\u{1}"] {
            await #expect(throws: ZooKeeperError.badArguments, "step path \(invalid.debugDescription)") {
                try await rooted.multi([
                    .check(path: "/n", version: 0),
                    .setData(path: invalid, data: [1], version: anyVersion),
                    .create(path: "/c", data: [], mode: .persistent),
                    .delete(path: "/n", version: 0),
                ])
            }
        }
        // Nothing applied, and the session goes on.
        #expect(try await rooted.exists("/c") == nil)
        let results = try await rooted.multi([
            .check(path: "/n", version: 0), .create(path: "/c", data: [], mode: .persistent),
        ])
        #expect(results == [.checked, .created(path: "/c")])
        #expect(try await plain.getChildren(root).sorted() == ["c", "n"])
    }

    /// C reads a path up to its first NUL: such a path must not silently name its prefix.
    @Test func pathWithAnEmbeddedNULIsRefused() async throws {
        let zk = try await SharedServer.client()
        defer { Task { await zk.close() } }
        let root = SharedServer.uniqueRoot()
        try await zk.create(root)
        await #expect(throws: ZooKeeperError.badArguments) { try await zk.create("\(root)/a\u{0}b") }
        await #expect(throws: ZooKeeperError.badArguments) { try await zk.getData("\(root)\u{0}") }
        #expect(try await zk.getChildren(root).isEmpty)
    }

    @Test func chrootIsHonoured() async throws {
        let (plain, rooted, root) = try await plainAndRooted()
        defer { Task { await plain.close(); await rooted.close() } }
        #expect(rooted.connectString.chroot == root)
        try await rooted.createRecursively("/brokers/ids/0", data: Array("{}".utf8), mode: .ephemeral)
        #expect(try await rooted.getChildren("/").sorted() == ["brokers"])
        #expect(try await plain.getChildren("\(root)/brokers/ids") == ["0"])
        #expect(try await plain.exists("/brokers/ids/0") == nil)
    }

    /// A client at the server's root, and one chrooted at a fresh root path the first one created.
    private func plainAndRooted(_ name: String = #function) async throws
        -> (plain: ZooKeeperClient, rooted: ZooKeeperClient, root: String)
    {
        let plain = try await SharedServer.client()
        let root = SharedServer.uniqueRoot(name)
        do {
            try await plain.create(root)
            return (plain, try await SharedServer.client(chroot: root), root)
        } catch {
            await plain.close()
            throw error
        }
    }

    @Test func connectingToNothingTimesOut() async throws {
        let port = FreePort.next()
        await #expect(throws: ZooKeeperError.connectionTimeout(milliseconds: 700)) {
            _ = try await ZooKeeperClient.connect(
                to: ConnectString(parsing: "127.0.0.1:\(port)"), sessionTimeout: .seconds(6),
                connectionTimeout: .milliseconds(700))
        }
    }

    @Test func connectStringParsing() throws {
        let parsed = try ConnectString(parsing: " zk1:2181,zk2:2182/kafka/prod/ ")
        #expect(parsed.hosts == ["zk1:2181", "zk2:2182"])
        #expect(parsed.chroot == "/kafka/prod")
        #expect(parsed.description == "zk1:2181,zk2:2182/kafka/prod")
        #expect(try ConnectString(parsing: "127.0.0.1:2181/").chroot == nil)
        #expect(throws: ConnectStringError.self) { try ConnectString(parsing: "") }
        #expect(throws: ConnectStringError.self) { try ConnectString(parsing: "localhost") }
        #expect(throws: ConnectStringError.self) { try ConnectString(parsing: "h:99999") }
        #expect(ZooKeeperClient.parent(of: "/a/b") == "/a")
        #expect(ZooKeeperClient.parent(of: "/a") == "/")
    }
}
