import NIOCore

/// A value that can be one element of a Kafka array: a generated struct or one of the primitive element types.
///
/// Lets generated codecs read and write every array with one generic call (`reader.array(...)`), the element type
/// inferred from the property, instead of a loop per field.
protocol KafkaArrayElement: Sendable {
    static func read(
        from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool
    ) throws(ProtocolDecodingError) -> Self

    func write(
        into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool
    ) throws(ProtocolEncodingError)
}

/// A generated struct nested in a message: it decodes and encodes itself for the message's version.
protocol KafkaStruct: KafkaArrayElement {
    init(from reader: inout KafkaReader, version: Int16) throws(ProtocolDecodingError)
    func encode(into writer: inout KafkaWriter, version: Int16) throws(ProtocolEncodingError)
}

extension KafkaStruct {
    static func read(
        from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool
    ) throws(ProtocolDecodingError) -> Self {
        try Self(from: &reader, version: version)
    }

    func write(
        into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool
    ) throws(ProtocolEncodingError) {
        try encode(into: &writer, version: version)
    }
}

extension Int8: KafkaArrayElement {
    static func read(from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolDecodingError) -> Int8 { try reader.int8(field) }
    func write(into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool) {
        writer.int8(self)
    }
}

extension Int16: KafkaArrayElement {
    static func read(from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolDecodingError) -> Int16 { try reader.int16(field) }
    func write(into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool) {
        writer.int16(self)
    }
}

extension Int32: KafkaArrayElement {
    static func read(from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolDecodingError) -> Int32 { try reader.int32(field) }
    func write(into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool) {
        writer.int32(self)
    }
}

extension Int64: KafkaArrayElement {
    static func read(from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolDecodingError) -> Int64 { try reader.int64(field) }
    func write(into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool) {
        writer.int64(self)
    }
}

extension UInt16: KafkaArrayElement {
    static func read(from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolDecodingError) -> UInt16 { try reader.uint16(field) }
    func write(into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool) {
        writer.uint16(self)
    }
}

extension Double: KafkaArrayElement {
    static func read(from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolDecodingError) -> Double { try reader.float64(field) }
    func write(into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool) {
        writer.float64(self)
    }
}

extension Bool: KafkaArrayElement {
    static func read(from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolDecodingError) -> Bool { try reader.boolean(field) }
    func write(into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool) {
        writer.boolean(self)
    }
}

extension KafkaUUID: KafkaArrayElement {
    static func read(from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolDecodingError) -> KafkaUUID { try reader.uuid(field) }
    func write(into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool) {
        writer.uuid(self)
    }
}

extension String: KafkaArrayElement {
    static func read(from reader: inout KafkaReader, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolDecodingError) -> String { try reader.string(field, compact: compact) }
    func write(into writer: inout KafkaWriter, _ field: StaticString, version: Int16, compact: Bool)
        throws(ProtocolEncodingError) { try writer.string(self, field, compact: compact) }
}
