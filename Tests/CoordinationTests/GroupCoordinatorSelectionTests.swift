import Testing

@testable import Coordination

/// Rendezvous hashing of groups over brokers: pure, so every broker (and every Gregor version) agrees.
@Suite("Group coordinator selection")
struct GroupCoordinatorSelectionTests {
    private let groups = (0..<3000).map { "group-\($0)" }

    /// Published vectors: 64-bit FNV-1a, and SplitMix64's first output from seed 0. A change here would make brokers
    /// of two versions disagree about every group's coordinator.
    @Test func hashesAreTheStandardOnes() {
        #expect(GroupCoordinatorSelection.fnv1a64("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(GroupCoordinatorSelection.fnv1a64("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(GroupCoordinatorSelection.fnv1a64("foobar".utf8) == 0x8594_4171_f739_67e8)
        #expect(GroupCoordinatorSelection.splitMix64(0) == 0xe220_a839_7b1d_cdaf)
    }

    /// Answers computed by an independent implementation (Python) of the same definition.
    @Test func answersArePinned() {
        let expected: [(group: String, among012: Int32, among12345: Int32)] = [
            ("billing", 2, 2), ("orders-consumer", 2, 2), ("", 2, 4), ("console-consumer-12345", 1, 5), ("日本", 0, 1),
        ]
        for (group, among012, among12345) in expected {
            #expect(GroupCoordinatorSelection.coordinator(for: group, among: [0, 1, 2] as [Int32]) == among012, "\(group)")
            #expect(GroupCoordinatorSelection.coordinator(for: group, among: [1, 2, 3, 4, 5] as [Int32]) == among12345, "\(group)")
        }
    }

    @Test func deterministicAndIndependentOfOrder() {
        #expect(GroupCoordinatorSelection.coordinator(for: "billing", among: [Int32]()) == nil)
        #expect(GroupCoordinatorSelection.coordinator(for: "billing", among: [7]) == 7)
        for group in groups.prefix(200) {
            let answer = GroupCoordinatorSelection.coordinator(for: group, among: [0, 1, 2, 3])
            #expect(GroupCoordinatorSelection.coordinator(for: group, among: [3, 1, 0, 2, 2]) == answer)
            #expect(GroupCoordinatorSelection.coordinator(for: group, among: Set<Int32>([2, 0, 3, 1])) == answer)
        }
    }

    /// Removing a broker moves exactly the groups it coordinated; adding one back moves exactly those again.
    @Test func removingABrokerMovesOnlyItsGroups() {
        let all: [Int32] = [0, 1, 2, 3, 4]
        let without2: [Int32] = [0, 1, 3, 4]
        for group in groups {
            let before = GroupCoordinatorSelection.coordinator(for: group, among: all)
            let after = GroupCoordinatorSelection.coordinator(for: group, among: without2)
            if before == 2 {
                #expect(after != 2)
            } else {
                #expect(after == before, "\(group) moved from \(String(describing: before)) though broker 2 did not own it")
            }
        }
    }

    @Test func spreadsEvenlyOverThreeBrokers() {
        var counts: [Int32: Int] = [:]
        for group in groups { counts[GroupCoordinatorSelection.coordinator(for: group, among: [1, 2, 3])!, default: 0] += 1 }
        #expect(counts.keys.sorted() == [1, 2, 3])
        // 1000 expected each; a binomial's standard deviation here is about 26, so 850...1150 is ~6 sigma.
        for (broker, count) in counts { #expect((850...1150).contains(count), "broker \(broker) got \(count) of 3000 groups") }
        // Broker ids far apart (and negative ones) spread too.
        var wide: [Int32: Int] = [:]
        for group in groups { wide[GroupCoordinatorSelection.coordinator(for: group, among: [-5, 1000, 2_000_000_000])!, default: 0] += 1 }
        for (broker, count) in wide { #expect((850...1150).contains(count), "broker \(broker) got \(count) of 3000 groups") }
    }
}
