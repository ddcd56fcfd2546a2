import NIOCore

/// One entry of a flexible version's tagged-field section: a tag and its raw, still-encoded value.
///
/// Readers return unknown tags in this form so a broker can ignore them (Kafka's rule for forward compatibility) or
/// a generated codec can decode the tags it knows from `value` with a nested `KafkaReader`. `value` is a slice of
/// the frame, not a copy.
public struct TaggedField: Hashable, Sendable {
    public var tag: UInt32
    public var value: ByteBuffer

    public init(tag: UInt32, value: ByteBuffer) {
        self.tag = tag
        self.value = value
    }
}
