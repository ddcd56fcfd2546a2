import Coordination
import Logging
import Testing
import ZooKeeper

/// The controller against a real ZooKeeper: brokers dying (their session closed) and coming back, and failover.
@Suite("Controller: broker death, return and controller failover")
struct ControllerBrokerTests {
    /// Partition t-0 on brokers [1, 2]; broker 0 is a bystander.
    private func startWithTopic(
        _ controllerConfig: ControllerConfig = ControllerConfig(), configs: [String: String] = [:]
    ) async throws -> ControllerHarness {
        let h = try await ControllerHarness.start(
            brokers: [0, 1, 2], controllerConfig: controllerConfig, placement: ReplicaPlacement(startIndex: 1, replicaShift: 0))
        try await h.admin.createTopic(name: "t", partitions: 1, replicationFactor: 2, configs: configs)
        try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}"#)
        return h
    }

    @Test func leaderDeathElectsFromTheISRAndTheLastInSyncReplicaLeadsAgainOnReturn() async throws {
        let h = try await startWithTopic()
        do {
            await h.kill(1)
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":1,"isr":[2]}"#)
            try await h.waitUntil("LeaderAndIsr to the new leader, UpdateMetadata to everyone") {
                h.channel.leaderAndIsr(broker: 2, topic: "t", partition: 0)?.leaderEpoch == 1
                    && h.channel.metadata(broker: 0, topic: "t", partition: 0)?.leader == 2
            }
            #expect(h.channel.leaderAndIsr(broker: 2, topic: "t", partition: 0) == PartitionState(
                topic: "t", partition: 0, controllerEpoch: 1, leader: 2, leaderEpoch: 1, isr: [2], zkVersion: 1, replicas: [1, 2]))
            #expect(h.channel.metadata(broker: 0, topic: "t", partition: 0)?.offlineReplicas == [1])
            #expect(h.channel.updateMetadataCalls.last { $0.broker == 0 }?.liveBrokers == [0, 2])

            // No live ISR member and no unclean election: the partition has no leader; the ISR keeps its last member.
            await h.kill(2)
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":2,"isr":[2]}"#)
            try await h.waitUntil("brokers told the partition is offline") {
                h.channel.metadata(broker: 0, topic: "t", partition: 0)?.leader == -1
            }

            // Broker 1 is out of sync: it must not lead. Broker 2, the last in-sync replica, does when it returns.
            try await h.revive(1)
            let epoch1 = try #require(try await h.brokerEpoch(1))
            try await h.waitUntil("broker 1 told everything on its return") {
                h.channel.updateMetadataCalls.contains { $0.broker == 1 && $0.brokerEpoch == epoch1 && $0.partitions.contains { $0.topic == "t" } }
            }
            try await h.revive(2)
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":3,"isr":[2]}"#)
            let epoch2 = try #require(try await h.brokerEpoch(2))
            try await h.waitUntil("LeaderAndIsr to both replicas with the returned leader") {
                let toLeader = h.channel.leaderAndIsrCalls.last { $0.broker == 2 && $0.brokerEpoch == epoch2 }
                return toLeader?.partitions.last?.leaderEpoch == 3 && toLeader?.leaders == [2]
                    && h.channel.leaderAndIsr(broker: 1, topic: "t", partition: 0)?.leader == 2
            }
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func uncleanElectionOnlyWhereTheTopicAllowsIt() async throws {
        let h = try await startWithTopic(configs: ["unclean.leader.election.enable": "true"])
        do {
            try await h.admin.createTopic(name: "safe", partitions: 1, replicationFactor: 2)  // also [1, 2]
            try await h.waitForState("safe", 0, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}"#)
            await h.kill(1)
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":1,"isr":[2]}"#)
            await h.kill(2)
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":2,"isr":[2]}"#)
            try await h.waitForState("safe", 0, #"{"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":2,"isr":[2]}"#)
            try await h.revive(1)
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":3,"isr":[1]}"#)
            // Processed in the same event as t's election: safe stayed offline.
            #expect(try await h.state("safe", 0) == #"{"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":2,"isr":[2]}"#)
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func followerDeathShrinksTheISR() async throws {
        let h = try await startWithTopic()
        do {
            await h.kill(2)
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":1,"isr":[1]}"#)
            try await h.waitUntil("the leader told the new ISR") {
                h.channel.leaderAndIsr(broker: 1, topic: "t", partition: 0)?.isr == [1]
            }
            #expect(h.channel.stopReplicaCalls.isEmpty)  // the dead broker's queue is gone: nothing is sent to it
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func isrChangeNotificationsReachEveryBroker() async throws {
        let h = try await startWithTopic()
        do {
            // The leader shrinks the ISR itself (a lagging follower), conditionally on the zkVersion it knows,
            // and leaves a notification for the controller.
            let shrunk = LeaderIsrAndControllerEpoch(LeaderAndIsr(leader: 1, leaderEpoch: 0, isr: [1]), controllerEpoch: 1)
            try await h.zk.zooKeeper.setData(ZkPaths.partitionState(topic: "t", partition: 0), data: shrunk.encoded(), version: 0)
            try await h.zk.zooKeeper.create(
                ZkPaths.isrChangeNotification + "/" + IsrChangeNotification.sequencePrefix,
                data: IsrChangeNotification.encode([("t", 0)]), mode: .persistentSequential)
            try await h.waitUntil("UpdateMetadata with the new ISR to every broker") {
                (0...2).allSatisfy { h.channel.metadata(broker: $0, topic: "t", partition: 0)?.isr == [1] }
            }
            #expect(h.channel.metadata(broker: 2, topic: "t", partition: 0)?.zkVersion == 1)
            try await h.waitUntil("the notification consumed") {
                try await h.zk.zooKeeper.getChildren(ZkPaths.isrChangeNotification).isEmpty
            }
            // The controller did not write the partition state: the leader's write stands.
            #expect(try await h.state("t", 0) == #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}"#)
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func theControllerStopsWhenItsSessionEnds() async throws {
        let h = try await ControllerHarness.start(brokers: [0])
        do {
            try await h.waitUntil("the controller's failover") { !h.channel.updateMetadataCalls.isEmpty }
            await h.controllerSession.close()
            let outcome = await h.controller.result
            #expect(throws: ZooKeeperError.closed) { try outcome.get() }
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func aNewControllerTellsEveryoneEverythingAndElectsForBrokersThatDiedMeanwhile() async throws {
        let h = try await startWithTopic()
        do {
            try await h.admin.createTopic(name: "u", partitions: 1, replicationFactor: 1)  // [1]: start index 1
            try await h.waitForState("u", 0, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}"#)
            h.controller.cancel()
            _ = await h.controller.result
            await h.controllerSession.close()  // /controller vanishes
            await h.kill(1)  // while there is no controller

            let session = try await TestZooKeeper.session(h.config)
            let epoch = try #require(try await session.tryRegisterController(brokerId: 101))
            #expect(epoch.epoch == 2)
            let channel = RecordingChannel()
            let second = Task {
                try await KafkaController(brokerId: 101, epoch: epoch, zk: session, channel: channel, logger: Logger(label: "test.controller2")).run()
            }
            // The election comes first (Kafka takes dead replicas out of the ISRs first): broker 2 leads with the live
            // ISR in one write (epoch 1), and taking broker 1 offline then finds nothing left to write.
            try await h.waitForState("t", 0, #"{"controller_epoch":2,"leader":2,"version":1,"leader_epoch":1,"isr":[2]}"#)
            try await h.waitUntil("UpdateMetadata with every partition and LeaderAndIsr to every live replica") {
                channel.metadata(broker: 0, topic: "u", partition: 0) != nil
                    && channel.leaderAndIsr(broker: 2, topic: "t", partition: 0)?.leader == 2
            }
            #expect(channel.updateMetadataCalls.allSatisfy { $0.controllerEpoch == 2 })
            #expect(channel.leaderAndIsrCalls.allSatisfy { $0.broker != 1 })
            // u has its only replica on the dead broker: announced offline, with no leader to elect.
            #expect(try await h.state("u", 0) == #"{"controller_epoch":2,"leader":-1,"version":1,"leader_epoch":1,"isr":[1]}"#)
            second.cancel()
            _ = await second.result
            await session.close()
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }
}
