import KafkaProtocol
import Coordination
import Testing
import ZooKeeper

/// The controller against a real ZooKeeper: new topics and partitions come online, deleted topics vanish.
@Suite("Controller: topic creation, partition additions and deletion")
struct ControllerTopicTests {
    @Test func aNewTopicGetsStateZnodesLeaderAndIsrAndUpdateMetadata() async throws {
        let h = try await ControllerHarness.start(brokers: [0, 1, 2])
        do {
            try await h.waitUntil("UpdateMetadata to every live broker at failover") {
                Set(h.channel.updateMetadataCalls.map(\.broker)) == [0, 1, 2]
            }
            try await h.admin.createTopic(name: "orders", partitions: 3, replicationFactor: 2)  // 0: [0,1], 1: [1,2], 2: [2,0]
            try await h.waitForState("orders", 0, #"{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0,1]}"#)
            try await h.waitForState("orders", 1, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}"#)
            try await h.waitForState("orders", 2, #"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,0]}"#)
            let replicas: [Int32: [Int32]] = [0: [0, 1], 1: [1, 2], 2: [2, 0]]
            try await h.waitUntil("LeaderAndIsr to every replica, UpdateMetadata of every partition to every broker") {
                replicas.allSatisfy { partition, brokers in
                    brokers.allSatisfy { h.channel.leaderAndIsr(broker: $0, topic: "orders", partition: partition) != nil }
                        && (0...2).allSatisfy { h.channel.metadata(broker: $0, topic: "orders", partition: partition) != nil }
                }
            }
            #expect(h.channel.leaderAndIsr(broker: 1, topic: "orders", partition: 1) == PartitionState(
                topic: "orders", partition: 1, controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1, 2], zkVersion: 0,
                replicas: [1, 2], isNew: true))
            #expect(h.channel.leaderAndIsr(broker: 0, topic: "orders", partition: 1) == nil)  // not a replica
            let call = try #require(h.channel.leaderAndIsrCalls.first { $0.broker == 1 })
            #expect(call.controllerId == ControllerHarness.controllerId)
            #expect(call.controllerEpoch == 1)
            #expect(call.brokerEpoch == (try await h.brokerEpoch(1)))
            #expect(Set(call.partitions.map(\.partition)) == [0, 1])
            #expect(call.leaders.sorted() == [0, 1])
            #expect(h.channel.metadata(broker: 2, topic: "orders", partition: 0) == PartitionState(
                topic: "orders", partition: 0, controllerEpoch: 1, leader: 0, leaderEpoch: 0, isr: [0, 1], zkVersion: 0,
                replicas: [0, 1]))
            #expect(h.channel.updateMetadataCalls.last { $0.broker == 2 }?.liveBrokers == [0, 1, 2])
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    /// One topic znode that cannot be parsed, created in the same watch batch as a good one: the good one still
    /// comes online, and the controller goes on.
    @Test func aMalformedTopicZnodeDoesNotKeepTheOthersOfItsBatchLeaderless() async throws {
        let h = try await ControllerHarness.start(brokers: [0, 1, 2])
        do {
            try await h.waitUntil("failover done") { Set(h.channel.updateMetadataCalls.map(\.broker)) == [0, 1, 2] }
            let good = TopicZNode(topic: "good", partitions: [0: PartitionReplicas([1])])
            try await h.zk.zooKeeper.multi([
                .create(path: ZkPaths.topic("bad"), data: Array("{not json".utf8), mode: .persistent),
                .create(path: ZkPaths.topic("good"), data: good.encoded(), mode: .persistent),
            ])
            try await h.waitForState("good", 0, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}"#)
            #expect(try await h.state("bad", 0) == nil)
            // And a topic created afterwards is handled too.
            try await h.admin.createTopic(name: "later", partitions: 1, replicationFactor: 1)
            try await h.waitUntil("later-0 has a state znode") { try await h.state("later", 0) != nil }
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    /// A partition state znode that cannot be parsed at failover: the controller still becomes ready and brings
    /// every other partition online (before, the failover failed, the controller resigned and failed again).
    @Test func aMalformedPartitionStateDoesNotStopTheFailover() async throws {
        let h = try await ControllerHarness.start(brokers: [0, 1]) { admin in
            try await admin.createTopic(name: "broken", assignment: [0: [0]])
            try await admin.zk.zooKeeper.createRecursively(
                ZkPaths.partitionState(topic: "broken", partition: 0), data: Array("garbage".utf8))
            try await admin.createTopic(name: "fine", assignment: [0: [1]])
        }
        do {
            try await h.waitForState("fine", 0, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}"#)
            try await h.admin.createTopic(name: "after", partitions: 1, replicationFactor: 1)
            try await h.waitUntil("a topic created after the failover comes online") { try await h.state("after", 0) != nil }
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func addedPartitionsComeOnline() async throws {
        let h = try await ControllerHarness.start(brokers: [0, 1, 2])
        do {
            try await h.admin.createTopic(name: "t", partitions: 1, replicationFactor: 1)  // 0: [0]
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0]}"#)
            // Partition 0's leader 0 is at index 0: partitions 1 and 2 go to brokers 1 and 2.
            #expect(try await h.admin.createPartitions(topic: "t", newCount: 3) == [0: [0], 1: [1], 2: [2]])
            try await h.waitForState("t", 1, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}"#)
            try await h.waitForState("t", 2, #"{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2]}"#)
            try await h.waitUntil("LeaderAndIsr for the new partitions") {
                h.channel.leaderAndIsr(broker: 1, topic: "t", partition: 1)?.isNew == true
                    && h.channel.leaderAndIsr(broker: 2, topic: "t", partition: 2)?.isNew == true
            }
            #expect(try await h.state("t", 0) == #"{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0]}"#)
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func aDeletedTopicLeavesNothingBehindAndCanBeCreatedAgain() async throws {
        let h = try await ControllerHarness.start(brokers: [0, 1, 2])
        do {
            try await h.admin.createTopic(name: "doomed", partitions: 2, replicationFactor: 2, configs: ["retention.ms": "1000"])
            try await h.waitForState("doomed", 1, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}"#)
            let zk = h.zk.zooKeeper
            try await zk.createRecursively("/consumers/billing/offsets/doomed/0", data: Array("42".utf8))
            try await zk.createRecursively("/consumers/billing/offsets/kept/0", data: Array("7".utf8))
            try await zk.createRecursively("/consumers/audit/offsets/doomed/1", data: Array("9".utf8))
            try await zk.createRecursively("/consumers/billing/offsets_metadata/doomed/0", data: Array("{}".utf8))
            try await zk.createRecursively("/consumers/billing/offsets_metadata/kept/0", data: Array("{}".utf8))

            try await h.admin.deleteTopic("doomed")
            try await h.waitUntil("every znode of the topic gone") {
                for path in ["/brokers/topics/doomed", "/config/topics/doomed", "/admin/delete_topics/doomed",
                             "/consumers/billing/offsets/doomed", "/consumers/audit/offsets/doomed",
                             "/consumers/billing/offsets_metadata/doomed"] {
                    if try await zk.exists(path) != nil { return false }
                }
                return true
            }
            #expect(try await h.zk.text("/consumers/billing/offsets/kept/0") == "7")
            #expect(try await h.zk.text("/consumers/billing/offsets_metadata/kept/0") == "{}")
            let deletes = h.channel.stopReplicaCalls.filter(\.delete)
            #expect(Set(deletes.filter { $0.broker == 0 }.flatMap(\.partitions)) == ["doomed-0"])
            #expect(Set(deletes.filter { $0.broker == 1 }.flatMap(\.partitions)) == ["doomed-0", "doomed-1"])
            #expect(Set(deletes.filter { $0.broker == 2 }.flatMap(\.partitions)) == ["doomed-1"])
            // Brokers hear "being deleted" (leader -2) before their replicas are stopped.
            let calls = h.channel.calls
            let announced = try #require(calls.firstIndex {
                if case .updateMetadata(let c) = $0 { c.broker == 1 && c.partitions.contains { $0.topic == "doomed" && $0.leader == -2 } } else { false }
            })
            let stopped = try #require(calls.firstIndex { if case .stopReplica(let c) = $0 { c.broker == 1 && c.delete } else { false } })
            #expect(announced < stopped)

            try await h.admin.createTopic(name: "doomed", partitions: 1, replicationFactor: 1)
            try await h.waitForState("doomed", 0, #"{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0]}"#)
            #expect(try await h.zk.text("/config/topics/doomed") == #"{"version":1,"config":{}}"#)
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func deletingATopicWithAnOfflineReplicaWaitsForIt() async throws {
        let h = try await ControllerHarness.start(brokers: [0, 1, 2], placement: ReplicaPlacement(startIndex: 1, replicaShift: 0))
        do {
            try await h.admin.createTopic(name: "t", partitions: 1, replicationFactor: 2)  // 0: [1, 2]
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}"#)
            await h.kill(2)
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":1,"isr":[1]}"#)
            try await h.admin.deleteTopic("t")
            try await h.waitUntil("StopReplica(delete) to the live replica") {
                h.channel.stopReplicaCalls.contains { $0.broker == 1 && $0.delete && $0.partitions == ["t-0"] }
            }
            // Events are processed in order: once a topic created afterwards is online, broker 1's answer was handled.
            try await h.admin.createTopic(name: "marker", partitions: 1, replicationFactor: 1)
            try await h.waitUntil("the marker topic online") { try await h.state("marker", 0) != nil }
            #expect(try await h.zk.topicExists("t"))
            #expect(try await h.zk.topicDeletions() == ["t"])

            try await h.revive(2)
            try await h.waitUntil("the topic deleted once broker 2 is back") { try await !h.zk.topicExists("t") }
            #expect(h.channel.stopReplicaCalls.contains { $0.broker == 2 && $0.delete && $0.partitions == ["t-0"] })
            // The deletion marker goes after the topic's znodes, so it may still be there for a moment.
            try await h.waitUntil("the deletion marker removed") { try await h.zk.topicDeletions().isEmpty }
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func aReplicaThatFailsToDeleteHaltsDeletionUntilItsBrokerReturns() async throws {
        let h = try await ControllerHarness.start(brokers: [0, 1])
        do {
            try await h.admin.createTopic(name: "t", partitions: 1, replicationFactor: 1)  // [0]
            try await h.waitForState("t", 0, #"{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0]}"#)
            h.channel.stopReplicaError.withLock { $0 = .kafkaStorageError }
            try await h.admin.deleteTopic("t")
            try await h.waitUntil("StopReplica(delete) to broker 0") {
                h.channel.stopReplicaCalls.contains { $0.broker == 0 && $0.delete }
            }
            try await h.admin.createTopic(name: "marker", partitions: 1, replicationFactor: 1)
            try await h.waitUntil("the marker topic online") { try await h.state("marker", 0) != nil }
            #expect(try await h.zk.topicExists("t"))
            #expect(h.channel.stopReplicaCalls.filter { $0.delete && $0.partitions == ["t-0"] }.count == 1)  // not retried meanwhile

            h.channel.stopReplicaError.withLock { $0 = .noError }
            await h.kill(0)
            try await h.revive(0)
            try await h.waitUntil("the topic deleted after broker 0's return") { try await !h.zk.topicExists("t") }
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }

    @Test func aStaleControllerCannotWrite() async throws {
        let h = try await ControllerHarness.start(brokers: [0])
        do {
            try await h.waitUntil("the controller's failover") { !h.channel.updateMetadataCalls.isEmpty }
            // Another controller gets elected: /controller_epoch moves on (its zkVersion changes).
            try await h.zk.zooKeeper.setData(ZkPaths.controllerEpoch, data: Array("2".utf8), version: h.epoch.zkVersion)
            try await h.admin.createTopic(name: "t", partitions: 1, replicationFactor: 1)
            let outcome = await h.controller.result
            #expect(throws: ControllerMovedError.self) { try outcome.get() }
            #expect(try await h.zk.zooKeeper.exists(ZkPaths.topicPartitions("t")) == nil)
            #expect(try await h.state("t", 0) == nil)
        } catch {
            Issue.record(error)
        }
        await h.stop()
    }
}
