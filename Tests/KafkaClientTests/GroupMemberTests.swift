import Testing

@testable import KafkaClient

/// Kafka's RangeAssignor over one topic, as `gregor consume --group` computes it when it leads.
@Suite struct GroupMemberTests {
    @Test func rangesGoInMemberIdOrderAndTheFirstMembersTakeTheRemainder() {
        let members = [("c", ["orders"]), ("a", ["orders"]), ("b", ["orders", "other"])]
        let assignment = GroupMember.rangeAssignment(topic: "orders", partitionCount: 7, members: members)
        #expect(assignment == ["a": [0, 1, 2], "b": [3, 4], "c": [5, 6]])
    }

    @Test func membersNotSubscribedToTheTopicGetNothing() {
        let members = [("a", ["other"]), ("b", ["orders"])]
        #expect(GroupMember.rangeAssignment(topic: "orders", partitionCount: 2, members: members) == ["b": [0, 1]])
        #expect(GroupMember.rangeAssignment(topic: "orders", partitionCount: 0, members: members).isEmpty)
    }

    @Test func moreMembersThanPartitionsLeavesSomeEmpty() {
        let members = [("a", ["t"]), ("b", ["t"]), ("c", ["t"])]
        #expect(GroupMember.rangeAssignment(topic: "t", partitionCount: 2, members: members) == ["a": [0], "b": [1], "c": []])
    }
}
