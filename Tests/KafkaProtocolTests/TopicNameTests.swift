import KafkaProtocol
import Testing

@Suite("Topic names as Kafka's Topic.validate judges them")
struct TopicNameTests {
    @Test func legalNames() throws {
        for name in ["a", "orders", "Orders.v2", "a_b-c.d", "0", String(repeating: "x", count: 249), "...", ".a", "__consumer_offsets"] {
            try TopicName.validate(name)
        }
    }

    @Test func illegalNamesWithKafkasMessages() {
        expectInvalid("", "Topic name is illegal, it can't be empty")
        expectInvalid(".", "Topic name cannot be \".\" or \"..\"")
        expectInvalid("..", "Topic name cannot be \".\" or \"..\"")
        let long = String(repeating: "x", count: 250)
        expectInvalid(long, "Topic name is illegal, it can't be longer than 249 characters, topic name: \(long)")
        let message = "is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        for name in ["a b", "a/b", "a:b", "tópico", "a\u{0}", "ümlaut", "a+b", "*"] {
            expectInvalid(name, "Topic name \"\(name)\" \(message)")
        }
    }

    @Test func collisionsTreatDotsAsUnderscores() {
        #expect(TopicName.hasCollision("a.b", "a_b"))
        #expect(TopicName.hasCollision("a_b", "a.b"))
        #expect(TopicName.hasCollision("a.b_c", "a_b.c"))
        #expect(TopicName.hasCollision("ab", "ab"))
        #expect(!TopicName.hasCollision("a.b", "a-b"))
        #expect(!TopicName.hasCollision("a.b", "ab"))
        #expect(TopicName.hasCollisionChars("a.b"))
        #expect(TopicName.hasCollisionChars("a_b"))
        #expect(!TopicName.hasCollisionChars("a-b"))
    }

    private func expectInvalid(_ name: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: InvalidTopicName(message: message), sourceLocation: sourceLocation) {
            try TopicName.validate(name)
        }
    }
}
