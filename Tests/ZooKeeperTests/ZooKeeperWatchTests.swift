import Foundation
import GregorTestSupport
import Testing
import ZooKeeper

@Suite("ZooKeeper watches and session states against a real server")
struct ZooKeeperWatchTests {
    @Test func dataWatchFiresOncePerChange() async throws {
        let zk = try await SharedServer.client()
        defer { Task { await zk.close() } }
        let root = SharedServer.uniqueRoot()
        try await zk.create(root, data: [0])
        let (_, _, watch) = try await zk.getDataAndWatch(root)
        try await zk.setData(root, data: [1])
        try await zk.setData(root, data: [2])  // a one-shot watch reports the first change only
        let events = try await watch.collect()
        #expect(events.map(\.kind) == [.nodeDataChanged])
        #expect(events.first?.path == root)

        let (data, _, second) = try await zk.getDataAndWatch(root)
        #expect(data == [2])
        try await zk.delete(root)
        #expect(try await second.collect().map(\.kind) == [.nodeDeleted])
    }

    @Test func childWatchFiresOncePerChange() async throws {
        let zk = try await SharedServer.client()
        defer { Task { await zk.close() } }
        let root = SharedServer.uniqueRoot()
        try await zk.create(root)
        let (children, watch) = try await zk.getChildrenAndWatch(root)
        #expect(children.isEmpty)
        try await zk.create("\(root)/1")
        try await zk.create("\(root)/2")
        #expect(try await watch.collect().map(\.kind) == [.nodeChildrenChanged])
        let (now, again) = try await zk.getChildrenAndWatch(root)
        #expect(now.sorted() == ["1", "2"])
        try await zk.setData(root, data: [1])  // data changes do not trigger child watches
        try await zk.delete("\(root)/1")
        #expect(try await again.collect().map(\.kind) == [.nodeChildrenChanged])
    }

    @Test func existsWatchSeesCreationOfAnAbsentNode() async throws {
        let zk = try await SharedServer.client()
        defer { Task { await zk.close() } }
        let root = SharedServer.uniqueRoot()
        let (stat, watch) = try await zk.existsAndWatch(root)
        #expect(stat == nil)
        try await zk.create(root)
        #expect(try await watch.collect().map(\.kind) == [.nodeCreated])
    }

    @Test func continuousChildStreamFollowsEveryState() async throws {
        let zk = try await SharedServer.client()
        defer { Task { await zk.close() } }
        let root = SharedServer.uniqueRoot()
        try await zk.create(root)
        var iterator = zk.watchChildren(root).makeAsyncIterator()
        #expect(try await iterator.next() == [])
        try await zk.create("\(root)/0")
        #expect(try await iterator.next() == ["0"])
        try await zk.create("\(root)/1")
        #expect(try await iterator.next()?.sorted() == ["0", "1"])
        try await zk.delete("\(root)/0")
        #expect(try await iterator.next() == ["1"])
    }

    @Test func forcedExpiryIsReportedAsExpired() async throws {
        let victim = try await SharedServer.client()
        defer { Task { await victim.close() } }
        let root = SharedServer.uniqueRoot()
        try await victim.create(root)
        try await victim.create("\(root)/mine", mode: .ephemeral)
        // A watch on a node nothing touches (the session's end deletes `mine`, which a child watch on `root` could see).
        let (_, pendingWatch) = try await victim.existsAndWatch("\(root)/never")
        let stream = victim.sessionStates()  // subscribed now, before the takeover disturbs the session
        let states = Task { try await stream.collect(timeout: .seconds(60)) }

        try await forceExpiry(of: victim)
        let seen = try await states.value
        #expect(seen.first == .connected)
        #expect(seen.last == .expired)
        #expect(victim.state == .expired)
        // A watch of an expired session finishes without an event.
        #expect(try await pendingWatch.collect().isEmpty)
        await #expect(throws: ZooKeeperError.sessionExpired) { try await victim.exists(root) }
        await #expect(throws: ZooKeeperError.sessionExpired) {
            try await victim.multi([.check(path: root, version: 0), .setData(path: root, data: [1], version: 0)])
        }

        let observer = try await SharedServer.client()
        defer { Task { await observer.close() } }
        #expect(try await observer.exists("\(root)/mine") == nil)
    }

    /// Kafka's and Curator's trick: a second handle takes over the session and closes it. The victim's client may
    /// win the session back before the close arrives (the close then fails as SessionMoved and the session lives
    /// on), so the takeover is repeated until the victim reports the expiry, within a deadline.
    private func forceExpiry(of victim: ZooKeeperClient) async throws {
        let server = try await SharedServer.get()
        let credentials: SessionCredentials = try #require(victim.credentials)
        let deadline = ContinuousClock.now + .seconds(45)
        while victim.state != .expired {
            guard ContinuousClock.now < deadline else {
                Issue.record("the session never expired")
                return
            }
            if let thief = try? await ZooKeeperClient.connect(
                to: ConnectString(parsing: server.connectString), sessionTimeout: .seconds(6),
                connectionTimeout: .seconds(5), reattachingTo: credentials)
            {
                #expect(thief.sessionID == victim.sessionID)
                await thief.close()
            }
            // Not expired within a few seconds: the victim won the session back; take it over again.
            try? await eventually(timeout: .seconds(3), "the victim sees the expiry") { victim.state == .expired }
        }
    }
}
