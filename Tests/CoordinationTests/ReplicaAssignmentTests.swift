import Coordination
import KafkaProtocol
import Testing

/// Expected lists worked out by hand from `AdminUtils.assignReplicasToBrokersRackUnaware`.
@Suite("Kafka's rack-unaware replica assignment")
struct ReplicaAssignmentTests {
    /// Kafka's own `AdminTest.testReplicaAssignment`: five brokers, fixed start index 0.
    @Test func kafkasTenPartitionsOnFiveBrokers() throws {
        let assignment = try ReplicaAssignment.assign(
            brokers: [0, 1, 2, 3, 4], partitions: 10, replicationFactor: 3, placement: ReplicaPlacement(fixedStartIndex: 0))
        #expect(assignment == [
            0: [0, 1, 2], 1: [1, 2, 3], 2: [2, 3, 4], 3: [3, 4, 0], 4: [4, 0, 1],
            5: [0, 2, 3], 6: [1, 3, 4], 7: [2, 4, 0], 8: [3, 0, 1], 9: [4, 1, 2],
        ])
    }

    /// n = 3, s = 2, k = 1: p0 first = 2 -> 3, follower (2+1+1%2)%3 = 1 -> 2; p3 wraps, so k = 2.
    @Test func startAndShiftAreIndependent() throws {
        let assignment = try ReplicaAssignment.assign(
            brokers: [1, 2, 3], partitions: 4, replicationFactor: 2, placement: ReplicaPlacement(startIndex: 2, replicaShift: 1))
        #expect(assignment == [0: [3, 2], 1: [1, 3], 2: [2, 1], 3: [3, 1]])
    }

    /// Partitions 4 and 5 of the topic above: start index = position of partition 0's leader (3) = 2, used as shift
    /// too; p4 first = (4+2)%3 = 0 -> 1, follower (0+1+2%2)%3 = 1 -> 2; p5 first = 1 -> 2, follower 2 -> 3.
    @Test func addedPartitionsContinueFromPartitionZerosLeader() throws {
        let assignment = try ReplicaAssignment.assign(
            brokers: [1, 2, 3], partitions: 2, replicationFactor: 2, startPartitionId: 4,
            placement: ReplicaPlacement(fixedStartIndex: 2))
        #expect(assignment == [4: [1, 2], 5: [2, 3]])
    }

    /// Kafka's `AddPartitionsTest.testReplicaPlacementAllServers`: leaders 3, 0, 1, 2, 3, 0 for partitions 1...6.
    @Test func kafkasAddPartitionsPlacement() throws {
        let assignment = try ReplicaAssignment.assign(
            brokers: [0, 1, 2, 3], partitions: 6, replicationFactor: 4, startPartitionId: 1,
            placement: ReplicaPlacement(fixedStartIndex: 2))
        #expect(assignment.keys.sorted() == [1, 2, 3, 4, 5, 6])
        #expect((1...6).map { assignment[$0]!.first! } == [3, 0, 1, 2, 3, 0])
        #expect(assignment[1] == [3, 2, 0, 1])
        for replicas in assignment.values { #expect(Set(replicas) == [0, 1, 2, 3]) }
    }

    @Test func randomPlacementSpreadsLeadersEvenly() throws {
        for _ in 0..<20 {
            let assignment = try ReplicaAssignment.assign(brokers: [0, 1, 2], partitions: 6, replicationFactor: 2)
            let leaders = assignment.values.map { $0[0] }
            for broker: Int32 in 0...2 { #expect(leaders.filter { $0 == broker }.count == 2) }
            for replicas in assignment.values { #expect(Set(replicas).count == 2) }
        }
    }

    @Test func refusalsWithKafkasMessages() {
        #expect(throws: AdminError(code: .invalidReplicationFactor, message: "Replication factor: 3 larger than available brokers: 1.")) {
            try ReplicaAssignment.assign(brokers: [0], partitions: 1, replicationFactor: 3)
        }
        #expect(throws: AdminError(code: .invalidPartitions, message: "Number of partitions must be larger than 0.")) {
            try ReplicaAssignment.assign(brokers: [0], partitions: 0, replicationFactor: 1)
        }
        #expect(throws: AdminError(code: .invalidReplicationFactor, message: "Replication factor must be larger than 0.")) {
            try ReplicaAssignment.assign(brokers: [0], partitions: 1, replicationFactor: 0)
        }
        #expect(throws: AdminError(code: .invalidReplicationFactor, message: "Replication factor: 1 larger than available brokers: 0.")) {
            try ReplicaAssignment.assign(brokers: [], partitions: 1, replicationFactor: 1)
        }
    }
}
