import KafkaProtocol
import Testing

/// The consumer's embedded protocol against bytes kafka-python 3.0.12 wrote
/// (`kafka.coordinator.assignors.abstract.ConsumerProtocolSubscription` / `ConsumerProtocolAssignment`).
@Suite struct ConsumerProtocolTests {
    /// Subscription v1 to orders and payments, user data "ud", owning orders-0 and orders-2.
    static let subscriptionV1: [UInt8] = [
        0, 1, 0, 0, 0, 2, 0, 6, 111, 114, 100, 101, 114, 115, 0, 8, 112, 97, 121, 109, 101, 110, 116, 115, 0, 0, 0, 2, 117,
        100, 0, 0, 0, 1, 0, 6, 111, 114, 100, 101, 114, 115, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2,
    ]
    /// Assignment v0 of orders-0, orders-2 and payments-1, empty user data.
    static let assignmentV0: [UInt8] = [
        0, 0, 0, 0, 0, 2, 0, 6, 111, 114, 100, 101, 114, 115, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 8, 112, 97, 121, 109,
        101, 110, 116, 115, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,
    ]

    @Test func aKafkaPythonSubscriptionDecodesAndReencodesByteForByte() throws {
        let subscription = try ConsumerProtocolSubscription(decoding: Self.subscriptionV1)
        #expect(subscription.topics == ["orders", "payments"])
        #expect(subscription.userData == Array("ud".utf8))
        #expect(subscription.ownedPartitions.map(\.topic) == ["orders"])
        #expect(subscription.ownedPartitions.first?.partitions == [0, 2])
        #expect(subscription.encoded() == Self.subscriptionV1)
    }

    @Test func aKafkaPythonAssignmentDecodesAndReencodesByteForByte() throws {
        let assignment = try ConsumerProtocolAssignment(decoding: Self.assignmentV0)
        #expect(assignment.assignedPartitions.map(\.topic) == ["orders", "payments"])
        #expect(assignment.assignedPartitions.map(\.partitions) == [[0, 2], [1]])
        #expect(assignment.encoded() == Self.assignmentV0)
    }

    @Test func anEmptyAssignmentIsNoPartitions() throws {
        #expect(try ConsumerProtocolAssignment(decoding: []).assignedPartitions.isEmpty)
    }

    @Test func everyTruncationThrowsInsteadOfTrapping() {
        for length in 0..<Self.subscriptionV1.count where length != 0 {
            let prefix = Array(Self.subscriptionV1.prefix(length))
            // A v1 subscription may stop before its owned partitions (v0 layout); anything shorter must throw.
            if length < 28 { #expect(throws: ProtocolDecodingError.self) { try ConsumerProtocolSubscription(decoding: prefix) } }
        }
        #expect(throws: ProtocolDecodingError.self) { try ConsumerProtocolSubscription(decoding: [0xFF, 0xFF]) }
        #expect(throws: ProtocolDecodingError.self) {
            try ConsumerProtocolAssignment(decoding: [0, 0, 0x7F, 0xFF, 0xFF, 0xFF])  // a huge partition count
        }
    }
}
