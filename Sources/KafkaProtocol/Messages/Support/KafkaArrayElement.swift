import NIOCore

/// A value that can be one element of a Kafka array: a generated struct or one of the primitive element types.
///
/// Lets generated codecs read and write every array with one generic call (`reader.array(...)`), the element type
/// inferred from the property, instead of a loop per field.
protocol KafkaArrayElement: Sendable {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> Self
    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) throws(ProtocolEncodingError)
}

/// What an element needs to know about the array it is in: the field name for errors, the message version (for
/// structs), and whether the version uses compact strings.
struct ArrayContext {
    var field: StaticString
    var version: Int16
    var compact: Bool
}

/// A generated struct nested in a message: it decodes and encodes itself for the message's version.
protocol KafkaStruct: KafkaArrayElement {
    init(from reader: inout KafkaReader, version: Int16) throws(ProtocolDecodingError)
    func encode(into writer: inout KafkaWriter, version: Int16) throws(ProtocolEncodingError)
}

extension KafkaStruct {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> Self {
        try Self(from: &reader, version: context.version)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) throws(ProtocolEncodingError) {
        try encode(into: &writer, version: context.version)
    }
}

extension Int8: KafkaArrayElement {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> Int8 {
        try reader.int8(context.field)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) { writer.int8(self) }
}

extension Int16: KafkaArrayElement {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> Int16 {
        try reader.int16(context.field)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) { writer.int16(self) }
}

extension Int32: KafkaArrayElement {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> Int32 {
        try reader.int32(context.field)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) { writer.int32(self) }
}

extension Int64: KafkaArrayElement {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> Int64 {
        try reader.int64(context.field)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) { writer.int64(self) }
}

extension UInt16: KafkaArrayElement {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> UInt16 {
        try reader.uint16(context.field)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) { writer.uint16(self) }
}

extension Double: KafkaArrayElement {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> Double {
        try reader.float64(context.field)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) { writer.float64(self) }
}

extension Bool: KafkaArrayElement {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> Bool {
        try reader.boolean(context.field)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) { writer.boolean(self) }
}

extension KafkaUUID: KafkaArrayElement {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> KafkaUUID {
        try reader.uuid(context.field)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) { writer.uuid(self) }
}

extension String: KafkaArrayElement {
    static func read(_ reader: inout KafkaReader, _ context: ArrayContext) throws(ProtocolDecodingError) -> String {
        try reader.string(context.field, compact: context.compact)
    }

    func write(_ writer: inout KafkaWriter, _ context: ArrayContext) throws(ProtocolEncodingError) {
        try writer.string(self, context.field, compact: context.compact)
    }
}
