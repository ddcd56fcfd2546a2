/// Caps a `KafkaReader` enforces on every length and count before it allocates or slices anything.
///
/// The bytes remaining in a frame already bound every length (a frame is capped by the broker's
/// `socket.request.max.bytes`), but a 100 MiB frame could still claim 100 million array elements of one byte each,
/// or a 2 GiB string; these limits stop a hostile peer from making the broker allocate in proportion to a number it
/// chose rather than to bytes it actually sent.
public struct WireLimits: Hashable, Sendable {
    /// Longest string in bytes (UTF-8). Kafka's classic strings have an `int16` length, so 32767 is the most any
    /// classic string can carry, and Kafka itself rejects longer compact strings too (`Short.MAX_VALUE`).
    public var maxStringLength: Int
    /// Longest `bytes` field. Defaults to Kafka's `socket.request.max.bytes` default (100 MiB): a record set can
    /// never be longer than the frame that carries it.
    public var maxBytesLength: Int
    /// Most elements one array (or one tagged-field section) may declare. 100 000 comfortably covers a Produce or
    /// Fetch over every partition of a large cluster, and bounds the `reserveCapacity` a decoder may do.
    public var maxArrayCount: Int

    public init(maxStringLength: Int = 32767, maxBytesLength: Int = 104_857_600, maxArrayCount: Int = 100_000) {
        self.maxStringLength = maxStringLength
        self.maxBytesLength = maxBytesLength
        self.maxArrayCount = maxArrayCount
    }

    /// The defaults described on each property.
    public static let `default` = WireLimits()
}
