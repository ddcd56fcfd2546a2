import KafkaProtocol
import Testing

@Suite("TopicPartition as a dictionary key (its topic's hash is computed once)")
struct TopicPartitionHashingTests {
    @Test func equalValuesFromDistinctStringsAreOneKey() {
        // Two strings with the same bytes but separate storage, as two decoded requests would carry.
        let decoded = String(decoding: Array("orders-eu".utf8), as: UTF8.self)
        let built = "orders" + "-" + "eu"
        let a = TopicPartition(decoded, 7)
        let b = TopicPartition(topic: built, partition: 7)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        let offsets: [TopicPartition: Int64] = [a: 42]
        #expect(offsets[b] == 42)
    }

    @Test func topicOrPartitionMakesADifferentKey() {
        let keys: Set<TopicPartition> = [
            TopicPartition("t", 0), TopicPartition("t", 1), TopicPartition("u", 0), TopicPartition("t", 0),
        ]
        #expect(keys.count == 3)
        #expect(TopicPartition("t", 0) != TopicPartition("t", 1))
        #expect(TopicPartition("t", 0) != TopicPartition("u", 0))
    }

    @Test func settingTheTopicRehashes() {
        var moved = TopicPartition("before", 3)
        moved.topic = "after"
        #expect(moved == TopicPartition("after", 3))
        #expect(moved.hashValue == TopicPartition("after", 3).hashValue)
        #expect(Set([TopicPartition("after", 3)]).contains(moved))
        #expect(!Set([TopicPartition("before", 3)]).contains(moved))
    }

    @Test func ordersByTopicThenPartition() {
        let sorted = [TopicPartition("b", 0), TopicPartition("a", 10), TopicPartition("a", 2)].sorted()
        #expect(sorted == [TopicPartition("a", 2), TopicPartition("a", 10), TopicPartition("b", 0)])
        #expect(TopicPartition("a", 10).description == "a-10")
    }
}
