/// `/isr_change_notification/isr_change_<seq>`: partitions whose ISR a leader changed, for the controller to
/// propagate (Kafka's `IsrChangeNotificationSequenceZNode`).
public enum IsrChangeNotification {
    public static let sequencePrefix = "isr_change_"

    private struct JSON: Codable {
        struct Partition: Codable {
            var topic: String
            var partition: Int32
        }
        var version: Int
        var partitions: [Partition]
    }

    /// `{"version":1,"partitions":[{"topic":"t","partition":0}]}`.
    public static func encode(_ partitions: [(topic: String, partition: Int32)]) -> [UInt8] {
        OrderedJSON.object([
            ("version", .int(1)),
            ("partitions", .array(partitions.map { .object([("topic", .string($0.topic)), ("partition", .int32($0.partition))]) })),
        ]).bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> [(topic: String, partition: Int32)] {
        try ZkJSON.decode(JSON.self, from: bytes, path: ZkPaths.isrChangeNotification).partitions.map { ($0.topic, $0.partition) }
    }
}
