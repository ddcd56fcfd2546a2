/// A topic name Kafka's rules refuse: INVALID_TOPIC_EXCEPTION, with Kafka's message.
public struct InvalidTopicName: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var errorCode: ErrorCode { .invalidTopicException }

    public init(message: String) {
        self.message = message
    }
    public var description: String { "INVALID_TOPIC_EXCEPTION: \(message)" }
}

/// Kafka's rules for topic names (`org.apache.kafka.common.internals.Topic`), with its messages; defined here, in the
/// lowest module, because requests, the admin paths in ZooKeeper and the CLI all check names the same way.
public enum TopicName {
    public static let maxLength = 249
    public static let legalChars = "[a-zA-Z0-9._-]"

    /// Throws `INVALID_TOPIC_EXCEPTION` unless `name` is 1...249 characters of `[a-zA-Z0-9._-]` and not `.` or `..`.
    public static func validate(_ name: String) throws(InvalidTopicName) {
        if name.isEmpty {
            throw InvalidTopicName(message: "Topic name is illegal, it can't be empty")
        }
        if name == "." || name == ".." {
            throw InvalidTopicName(message: "Topic name cannot be \".\" or \"..\"")
        }
        // Java's String.length(): UTF-16 code units.
        if name.utf16.count > maxLength {
            throw InvalidTopicName(message: "Topic name is illegal, it can't be longer than \(maxLength) characters, topic name: \(name)")
        }
        if !name.utf8.allSatisfy(isLegal) {
            throw InvalidTopicName(message: 
                "Topic name \"\(name)\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'")
        }
    }

    /// True when the name has a '.' or '_', the characters that collide in metric names.
    public static func hasCollisionChars(_ name: String) -> Bool {
        name.contains(".") || name.contains("_")
    }

    /// True when the names are equal once every '.' is read as '_' (`a.b` and `a_b` collide).
    public static func hasCollision(_ a: String, _ b: String) -> Bool {
        collisionKey(a) == collisionKey(b)
    }

    private static func collisionKey(_ name: String) -> String {
        String(name.map { $0 == "." ? "_" : $0 })
    }

    private static func isLegal(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
