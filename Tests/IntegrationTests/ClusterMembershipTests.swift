import Coordination
import Foundation
import GregorTestSupport
import Storage
import Testing
import ZooKeeper


/// Real `gregor-server` processes against a real ZooKeeper: what an operator sees in the tree.
@Suite("Cluster membership with real broker processes", .serialized)
struct ClusterMembershipTests {
    @Test func threeBrokersRegisterAndElectExactlyOneController() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            for id: Int32 in 0...2 { brokers.append(try await cluster.startBroker(id)) }
            #expect(try await cluster.liveBrokerIds() == [0, 1, 2])
            let controller = try #require(try await cluster.inspector.controller())
            #expect((0...2).contains(controller.node.brokerId))
            #expect(try await cluster.inspector.controllerEpoch()?.epoch == 1)
            let controllers = brokers.filter { $0.log().contains("won the controller election") }
            #expect(controllers.count == 1)

            // Kafka's registration JSON, and the same cluster id in ZooKeeper and every meta.properties.
            let info = try #require(try await cluster.inspector.broker(1))
            #expect(info.endPoints.first?.host == "127.0.0.1")
            let clusterId = try #require(try await cluster.inspector.clusterId())
            for (id, broker) in brokers.enumerated() {
                let logDir = try brokerLogDir(broker)
                let meta = try #require(try MetaProperties.read(logDir: logDir))
                #expect(meta.clusterId == clusterId)
                #expect(meta.brokerId == Int32(id))
            }
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }

    @Test func killingTheControllerElectsANewOneWithAHigherEpoch() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            for id: Int32 in 0...2 { brokers.append(try await cluster.startBroker(id)) }
            let first = try #require(try await cluster.inspector.controller()).node.brokerId
            let firstEpoch = try #require(try await cluster.inspector.controllerEpoch()).epoch
            brokers[Int(first)].kill()
            let killedAt = ContinuousClock.now
            try await eventually(timeout: .milliseconds(TestCluster.sessionTimeoutMs + 6000), "a new controller") {
                guard let now = try await cluster.inspector.controller() else { return false }
                return now.node.brokerId != first
            }
            #expect(ContinuousClock.now - killedAt < .milliseconds(TestCluster.sessionTimeoutMs + 6000))
            let epoch = try #require(try await cluster.inspector.controllerEpoch()).epoch
            #expect(epoch > firstEpoch)
            #expect(try await cluster.liveBrokerIds() == [0, 1, 2].filter { $0 != first })
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }

    @Test func killingAFollowerIsSeenAndLoggedByTheController() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            for id: Int32 in 0...2 { brokers.append(try await cluster.startBroker(id)) }
            let controller = try #require(try await cluster.inspector.controller()).node.brokerId
            let victim: Int32 = controller == 2 ? 1 : 2
            brokers[Int(victim)].kill()
            try await eventually(timeout: .milliseconds(TestCluster.sessionTimeoutMs + 6000), "broker \(victim) gone") {
                try await !cluster.liveBrokerIds().contains(victim)
            }
            try await brokers[Int(controller)].waitForLog(containing: "deleted brokers: \(victim),", timeout: .seconds(5))
            try await brokers[Int(controller)].waitForLog(containing: "Broker \(victim) left the cluster", timeout: .seconds(5))
            #expect(try await cluster.inspector.controller()?.node.brokerId == controller)

            // And a broker coming back is logged as a join.
            brokers[Int(victim)] = try await cluster.startBroker(victim)
            try await brokers[Int(controller)].waitForLog(containing: "Broker \(victim) joined the cluster", timeout: .seconds(5))
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }

    @Test func aDuplicateBrokerIdIsRefusedAndTheFirstKeepsRunning() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            brokers.append(try await cluster.startBroker(0))
            let owner = try await cluster.inspector.zooKeeper.exists(ZkPaths.broker(0))?.ephemeralOwner
            let duplicate = try cluster.launchBroker(0)
            brokers.append(duplicate)
            // It waits out what could be a dead session's registration (session timeout + margin), then refuses.
            let status = try await duplicate.waitForExit(timeout: .milliseconds(TestCluster.sessionTimeoutMs + 30_000))
            #expect(status != 0)
            #expect(duplicate.log().contains("broker.id 0 is registered in ZooKeeper by another live broker"))
            #expect(brokers[0].isRunning)
            #expect(try await cluster.inspector.zooKeeper.exists(ZkPaths.broker(0))?.ephemeralOwner == owner)
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }

    /// `kill -9` leaves the broker's registration until ZooKeeper expires its session; a restart at once waits
    /// for that instead of refusing to start, and says so.
    @Test func aBrokerRestartedRightAfterKillMinus9StartsOnTheFirstTry() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            let properties = cluster.properties(brokerId: 0)
            let first = try BrokerProcess.start(executable: GregorBinaries.url(of: "gregor-server"), properties: properties)
            brokers.append(first)
            try await first.waitForLog(containing: "Gregor broker 0 started", timeout: .seconds(30))
            let deadSession = try #require(try await cluster.inspector.zooKeeper.exists(ZkPaths.broker(0))?.ephemeralOwner)
            first.kill()
            _ = try await first.waitForExit(timeout: .seconds(10))

            let clock = ContinuousClock()
            let started = clock.now
            let second = try BrokerProcess.start(executable: GregorBinaries.url(of: "gregor-server"), properties: properties)
            brokers.append(second)
            try await second.waitForLog(
                containing: "Gregor broker 0 started", timeout: .milliseconds(TestCluster.sessionTimeoutMs + 15_000))
            #expect(clock.now - started < .milliseconds(TestCluster.sessionTimeoutMs + 10_000))
            #expect(second.log().contains("it was left by a previous run, not a live broker"))
            let owner = try await cluster.inspector.zooKeeper.exists(ZkPaths.broker(0))?.ephemeralOwner
            #expect(owner != nil && owner != deadSession)
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }

    /// The same for the controller: restarted at once after `kill -9`, it starts on the first try, and the cluster
    /// ends with one controller at a higher epoch.
    @Test func theControllerRestartedRightAfterKillMinus9StartsAndTheClusterHasOneController() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            let properties = (0...1).map { cluster.properties(brokerId: Int32($0)) }
            for id in 0...1 {
                let broker = try BrokerProcess.start(executable: GregorBinaries.url(of: "gregor-server"), properties: properties[id])
                brokers.append(broker)
                try await broker.waitForLog(containing: "Gregor broker \(id) started", timeout: .seconds(30))
            }
            let before = try #require(try await cluster.inspector.controller()).node.brokerId
            let epochBefore = try #require(try await cluster.inspector.controllerEpoch()).epoch
            brokers[Int(before)].kill()
            _ = try await brokers[Int(before)].waitForExit(timeout: .seconds(10))
            let restarted = try BrokerProcess.start(
                executable: GregorBinaries.url(of: "gregor-server"), properties: properties[Int(before)])
            brokers.append(restarted)
            try await restarted.waitForLog(
                containing: "Gregor broker \(before) started", timeout: .milliseconds(TestCluster.sessionTimeoutMs + 15_000))
            try await eventually(timeout: .seconds(20), "one controller at a higher epoch, both brokers registered") {
                guard let epoch = try await cluster.inspector.controllerEpoch()?.epoch, epoch > epochBefore,
                    try await cluster.inspector.controller() != nil
                else { return false }
                return try await cluster.liveBrokerIds() == [0, 1]
            }
            let controllers = brokers.filter { $0.isRunning && $0.log().contains("won the controller election") }
            #expect(controllers.count >= 1)
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }

    @Test func sigtermRemovesTheBrokerAtOnceAndExitsZero() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            brokers.append(try await cluster.startBroker(0))
            brokers.append(try await cluster.startBroker(1))
            brokers[1].terminate()
            let status = try await brokers[1].waitForExit(timeout: .seconds(10))
            #expect(status == 0)
            // "At once": far sooner than the session timeout would have removed it.
            try await eventually(timeout: .seconds(2), "broker 1's znode gone after SIGTERM") {
                try await cluster.liveBrokerIds() == [0]
            }
            #expect(brokers[1].log().contains("Shut down completed"))
            // Its logs were closed cleanly: the next start will not need recovery.
            let logDir = try brokerLogDir(brokers[1])
            #expect(CleanShutdownFile.exists(logDir: logDir))
            #expect(FileManager.default.fileExists(atPath: logDir + "/recovery-point-offset-checkpoint"))
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }

    @Test func anExpiredSessionIsReplacedAndTheBrokerReRegisters() async throws {
        let cluster = try await TestCluster.start()
        var brokers: [BrokerProcess] = []
        do {
            for id: Int32 in 0...1 { brokers.append(try await cluster.startBroker(id)) }
            let controller = try #require(try await cluster.inspector.controller()).node.brokerId
            let epoch = try #require(try await cluster.inspector.controllerEpoch()).epoch
            let paused = brokers[Int(controller)]
            let oldSession = try #require(try await cluster.inspector.zooKeeper.exists(ZkPaths.broker(controller))).ephemeralOwner
            // Frozen past its session timeout (like a long GC pause), the controller loses its session.
            try await paused.suspend()
            try await eventually(timeout: .milliseconds(TestCluster.sessionTimeoutMs + 8000), "the paused broker expired") {
                try await !cluster.liveBrokerIds().contains(controller)
            }
            paused.resume()
            try await paused.waitForLog(containing: "expired", timeout: .seconds(20))
            try await eventually(timeout: .seconds(20), "broker \(controller) re-registered with a new session") {
                guard let stat = try await cluster.inspector.zooKeeper.exists(ZkPaths.broker(controller)) else { return false }
                return stat.ephemeralOwner != oldSession
            }
            let now = try #require(try await cluster.inspector.controller())
            #expect(now.node.brokerId != controller)
            #expect(try #require(try await cluster.inspector.controllerEpoch()).epoch > epoch)
            #expect(try await cluster.liveBrokerIds() == [0, 1])
        } catch {
            Issue.record(error)
        }
        await cluster.stop(brokers)
    }

    private func brokerLogDir(_ broker: BrokerProcess) throws -> String {
        let text = try String(contentsOf: broker.directory.appendingPathComponent("server.properties"), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("log.dirs=") })
        return String(line.dropFirst("log.dirs=".count))
    }
}
