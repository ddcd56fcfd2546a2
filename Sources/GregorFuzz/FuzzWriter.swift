/// Kafka's wire primitives, written without the protocol codec (the fuzzer must not share its mistakes).
struct FuzzWriter {
    var bytes: [UInt8] = []

    mutating func int8(_ value: Int8) { bytes.append(UInt8(bitPattern: value)) }
    mutating func int16(_ value: Int16) { append(UInt16(bitPattern: value)) }
    mutating func int32(_ value: Int32) { append(UInt32(bitPattern: value)) }
    mutating func int64(_ value: Int64) { append(UInt64(bitPattern: value)) }
    mutating func uint16(_ value: UInt16) { append(value) }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { bytes.append(contentsOf: $0) }
    }

    mutating func unsignedVarint(_ value: UInt32) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A length or count: compact (unsigned varint of n + 1, 0 for null) in flexible versions, else int16/int32.
    mutating func length(_ value: Int64, compact: Bool, wide: Bool) {
        if compact {
            unsignedVarint(UInt32(truncatingIfNeeded: value &+ 1))
        } else if wide {
            int32(Int32(truncatingIfNeeded: value))
        } else {
            int16(Int16(truncatingIfNeeded: value))
        }
    }
}
