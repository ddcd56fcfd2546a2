import NIOCore
import Testing

@testable import KafkaProtocol

@Suite struct TaggedFieldTests {
    @Test func emptySectionIsOneZeroByte() throws {
        #expect(try Wire.bytes { $0.emptyTaggedFields() } == [0x00])
        var reader = Wire.reader([0x00, 0x2A])
        #expect(try reader.taggedFields().isEmpty)
        #expect(try reader.int8() == 42)
    }

    @Test func fieldsRoundTripInOrder() throws {
        let fields = [
            TaggedField(tag: 0, value: ByteBuffer(bytes: [0xAA])),
            TaggedField(tag: 200, value: ByteBuffer(bytes: [1, 2, 3])),
        ]
        let bytes = try Wire.bytes { try $0.taggedFields(fields) }
        // count 2; tag 0 size 1 0xAA; tag 200 (varint 0xC8 0x01) size 3 1 2 3
        #expect(bytes == [0x02, 0x00, 0x01, 0xAA, 0xC8, 0x01, 0x03, 1, 2, 3])
        var reader = Wire.reader(bytes)
        #expect(try reader.taggedFields() == fields)
        #expect(reader.remaining == 0)
    }

    @Test func unknownTagsAreSkipped() throws {
        // int8 field, section with two unknown tags, then another int8 field.
        var reader = Wire.reader([0x01, 0x02, 0x05, 0x02, 0xFF, 0xFF, 0x09, 0x00, 0x07])
        #expect(try reader.int8() == 1)
        try reader.skipTaggedFields()
        #expect(try reader.int8() == 7)
        #expect(reader.remaining == 0)
    }

    @Test func tagsMustAscendWhenWriting() {
        let fields = [TaggedField(tag: 3, value: ByteBuffer()), TaggedField(tag: 3, value: ByteBuffer())]
        #expect(throws: ProtocolEncodingError(field: "t", kind: .tagsNotAscending(previous: 3, next: 3))) {
            _ = try Wire.bytes { try $0.taggedFields(fields, "t") }
        }
    }

    @Test func hostileSectionsFailCleanly() {
        // Count larger than the bytes left.
        #expect(Wire.error([0x05, 0x00]) { try $0.taggedFields("tags") }?.kind == .truncated(needed: 5, available: 1))
        // A field whose size runs past the end.
        #expect(Wire.error([0x01, 0x00, 0x09, 0x01]) { try $0.skipTaggedFields() }?.kind == .truncated(needed: 9, available: 1))
        // A field size beyond the bytes limit.
        #expect(Wire.error([0x01, 0x00, 0x03, 1, 2, 3], limits: WireLimits(maxBytesLength: 2)) { try $0.taggedFields() }?.kind
            == .tooLong(length: 3, limit: 2))
        // An invalid varint tag.
        #expect(Wire.error([0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]) { try $0.taggedFields() }?.kind == .invalidVarint)
        #expect(Wire.error([]) { try $0.skipTaggedFields() }?.kind == .truncated(needed: 1, available: 0))
    }
}
