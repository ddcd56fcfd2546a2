import Coordination
import KafkaProtocol
import Testing
import ZooKeeper

/// `AdminZkClient` against a real ZooKeeper: what CreateTopics, CreatePartitions and DeleteTopics leave in the tree.
@Suite("Topic administration through ZooKeeper")
struct AdminZkClientTests {
    /// Brokers 0...n-1 registered in their own sessions, an admin session with a fixed placement.
    private func cluster(brokers: Int32 = 3, placement: ReplicaPlacement = ReplicaPlacement(fixedStartIndex: 0))
        async throws -> (AdminZkClient, [KafkaZkClient])
    {
        let config = try await TestZooKeeper.freshChroot()
        var sessions = [try await TestZooKeeper.session(config)]
        for id in 0..<brokers { sessions.append(try await TestZooKeeper.registerBroker(id, config)) }
        return (AdminZkClient(zk: sessions[0], placement: { _ in placement }), sessions)
    }

    private func close(_ sessions: [KafkaZkClient]) async {
        for session in sessions { await session.close() }
    }

    @Test func createTopicWritesKafkasJSONConfigFirst() async throws {
        let (admin, sessions) = try await cluster()
        let assignment = try await admin.createTopic(
            name: "orders", partitions: 3, replicationFactor: 2, configs: ["retention.ms": "86400000"])
        #expect(assignment == [0: [0, 1], 1: [1, 2], 2: [2, 0]])
        let zk = admin.zk
        #expect(try await zk.text("/brokers/topics/orders")
            == #"{"version":2,"partitions":{"0":[0,1],"1":[1,2],"2":[2,0]},"adding_replicas":{},"removing_replicas":{}}"#)
        #expect(try await zk.text("/config/topics/orders") == #"{"version":1,"config":{"retention.ms":"86400000"}}"#)
        #expect(try await zk.zooKeeper.exists("/config/topics/orders")!.czxid < zk.zooKeeper.exists("/brokers/topics/orders")!.czxid)
        try await admin.createTopic(name: "plain", partitions: 1, replicationFactor: 1)
        #expect(try await zk.text("/config/topics/plain") == #"{"version":1,"config":{}}"#)
        #expect(try await admin.allTopics() == ["orders", "plain"])
        #expect(try await admin.replicaAssignment(topic: "orders") == assignment)
        #expect(try await admin.topicConfig("orders") == ["retention.ms": "86400000"])
        #expect(try await admin.topicConfig("missing") == [:])
        #expect(try await admin.replicaAssignment(topic: "missing") == nil)
        #expect(try await admin.partitionStates(topic: "orders").isEmpty)  // no controller here
        await close(sessions)
    }

    @Test func validateOnlyChecksEverythingAndWritesNothing() async throws {
        let (admin, sessions) = try await cluster()
        let assignment = try await admin.createTopic(name: "t", partitions: 2, replicationFactor: 3, validateOnly: true)
        #expect(assignment == [0: [0, 1, 2], 1: [1, 2, 0]])
        #expect(try await admin.allTopics().isEmpty)
        #expect(try await admin.zk.zooKeeper.exists("/config/topics/t") == nil)
        await #expect(throws: AdminError(code: .invalidReplicationFactor, message: "Replication factor: 4 larger than available brokers: 3.")) {
            try await admin.createTopic(name: "t", partitions: 2, replicationFactor: 4, validateOnly: true)
        }
        await close(sessions)
    }

    @Test func creationRefusalsCarryKafkasCodesAndMessages() async throws {
        let (admin, sessions) = try await cluster(brokers: 1)
        try await admin.createTopic(name: "a.b", partitions: 1, replicationFactor: 1)
        await #expect(throws: AdminError(code: .topicAlreadyExists, message: "Topic 'a.b' already exists.")) {
            try await admin.createTopic(name: "a.b", partitions: 1, replicationFactor: 1)
        }
        await #expect(throws: AdminError(code: .invalidTopicException, message: "Topic 'a_b' collides with existing topics: a.b")) {
            try await admin.createTopic(name: "a_b", partitions: 1, replicationFactor: 1)
        }
        await #expect(throws: AdminError(code: .invalidReplicationFactor, message: "Replication factor: 3 larger than available brokers: 1.")) {
            try await admin.createTopic(name: "c", partitions: 1, replicationFactor: 3)
        }
        await #expect(throws: AdminError(code: .invalidPartitions, message: "Number of partitions must be larger than 0.")) {
            try await admin.createTopic(name: "c", partitions: 0, replicationFactor: 1)
        }
        await #expect(throws: AdminError(code: .invalidTopicException, message: "Topic name cannot be \".\" or \"..\"")) {
            try await admin.createTopic(name: "..", partitions: 1, replicationFactor: 1)
        }
        await #expect(throws: AdminError(code: .invalidReplicaAssignment, message: "partitions should be a consecutive 0-based integer sequence")) {
            try await admin.createTopic(name: "m", assignment: [0: [0], 2: [0]])
        }
        await #expect(throws: AdminError(code: .invalidReplicaAssignment, message: "All partitions should have the same number of replicas")) {
            try await admin.createTopic(name: "m", assignment: [0: [0], 1: [0, 1]])
        }
        try await admin.deleteTopic("a.b")
        await #expect(throws: AdminError(code: .topicAlreadyExists, message: "Topic 'a.b' is marked for deletion.")) {
            try await admin.createTopic(name: "a.b", partitions: 1, replicationFactor: 1)
        }
        #expect(try await admin.allTopics() == ["a.b"])
        await close(sessions)
    }

    /// Counts from a hostile request: each is refused with Kafka's code before anything is built or written.
    @Test func countsNoTopicCanHaveAreRefused() async throws {
        let (admin, sessions) = try await cluster()
        for validateOnly in [true, false] {
            do {
                try await admin.createTopic(name: "boom", assignment: [0: (0..<40000).map(Int32.init)], validateOnly: validateOnly)
                Issue.record("40,000 replicas accepted")
            } catch let error as AdminError {
                #expect(error.code == .invalidReplicationFactor)
            }
            await #expect(throws: AdminError(code: .invalidReplicaAssignment, message: "Cannot have replication factor of 0 for partition id 0.")) {
                try await admin.createTopic(name: "boom", assignment: [0: [], 1: []], validateOnly: validateOnly)
            }
            await #expect(throws: AdminError(code: .invalidReplicaAssignment, message: "Invalid broker id -3 in the assignment of partition 0.")) {
                try await admin.createTopic(name: "boom", assignment: [0: [1, -3]], validateOnly: validateOnly)
            }
            await #expect(throws: AdminError(code: .invalidPartitions, message: "2147483647 partitions with replication factor 3 do not fit in a ZooKeeper znode (1000000 bytes).")) {
                try await admin.createTopic(name: "boom", partitions: Int32.max, replicationFactor: 3, validateOnly: validateOnly)
            }
        }
        // An assignment that passes every other check but does not fit a znode.
        let huge = Dictionary(uniqueKeysWithValues: (0..<150_000).map { (Int32($0), [Int32(0), 1, 2]) })
        await #expect(throws: AdminError.self) { try await admin.createTopic(name: "boom", assignment: huge) }
        #expect(try await admin.zk.topicExists("boom") == false)

        try await admin.createTopic(name: "t", partitions: 1, replicationFactor: 1)
        await #expect(throws: AdminError.self) { try await admin.createPartitions(topic: "t", newCount: Int32.max) }
        #expect(try await admin.replicaAssignment(topic: "t")?.count == 1)
        await close(sessions)
    }

    @Test func createPartitionsContinuesKafkasAssignment() async throws {
        // Start 2 and shift 1 on brokers 0, 1, 2: partition 0 is [2, 1]; new partitions start at broker 2's index.
        let (admin, sessions) = try await cluster(placement: ReplicaPlacement(startIndex: 2, replicaShift: 1))
        try await admin.createTopic(name: "t", partitions: 2, replicationFactor: 2)
        #expect(try await admin.replicaAssignment(topic: "t") == [0: [2, 1], 1: [0, 2]])
        // fixed start 2: p2 first (2+2)%3 = 1, follower (1+1+2%2)%3 = 2; p3 wraps (k = 3): first 2, follower (3+1)%3 = 1.
        let full = try await admin.createPartitions(topic: "t", newCount: 4)
        #expect(full == [0: [2, 1], 1: [0, 2], 2: [1, 2], 3: [2, 1]])
        #expect(try await admin.zk.text("/brokers/topics/t")
            == #"{"version":2,"partitions":{"0":[2,1],"1":[0,2],"2":[1,2],"3":[2,1]},"adding_replicas":{},"removing_replicas":{}}"#)
        let manual = try await admin.createPartitions(topic: "t", newCount: 5, assignments: [[0, 1]], validateOnly: true)
        #expect(manual[4] == [0, 1])
        #expect(try await admin.replicaAssignment(topic: "t")?.count == 4)

        await #expect(throws: AdminError(code: .invalidPartitions, message: "Topic already has 4 partitions.")) {
            try await admin.createPartitions(topic: "t", newCount: 4)
        }
        await #expect(throws: AdminError(code: .invalidPartitions, message: "Topic currently has 4 partitions, which is higher than the requested 3.")) {
            try await admin.createPartitions(topic: "t", newCount: 3)
        }
        await #expect(throws: AdminError(code: .unknownTopicOrPartition, message: "The topic 'nope' does not exist.")) {
            try await admin.createPartitions(topic: "nope", newCount: 3)
        }
        await #expect(throws: AdminError(code: .invalidReplicaAssignment, message: "Unknown broker(s) in replica assignment: 7.")) {
            try await admin.createPartitions(topic: "t", newCount: 5, assignments: [[0, 7]])
        }
        try await admin.deleteTopic("t")
        await #expect(throws: AdminError(code: .invalidTopicException, message: "The topic is queued for deletion.")) {
            try await admin.createPartitions(topic: "t", newCount: 6)
        }
        await close(sessions)
    }

    @Test func deleteTopicMarksItOnceAndRefusesUnknownTopics() async throws {
        let (admin, sessions) = try await cluster(brokers: 1)
        await #expect(throws: AdminError(code: .unknownTopicOrPartition, message: "Topic `nope` to delete does not exist")) {
            try await admin.deleteTopic("nope")
        }
        try await admin.createTopic(name: "t", partitions: 1, replicationFactor: 1)
        try await admin.deleteTopic("t")
        try await admin.deleteTopic("t")  // again: fine, as Kafka's broker answers
        #expect(try await admin.zk.topicDeletions() == ["t"])
        #expect(try await admin.zk.text("/admin/delete_topics/t") == "")
        await close(sessions)
    }
}
