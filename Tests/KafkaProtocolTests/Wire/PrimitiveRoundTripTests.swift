import NIOCore
import Testing

@testable import KafkaProtocol

@Suite struct PrimitiveRoundTripTests {
    @Test func fixedWidthIntegersAreBigEndian() throws {
        let bytes = try Wire.bytes { writer in
            writer.int8(-2)
            writer.int16(0x0102)
            writer.int32(-0x0102_0304)
            writer.int64(0x0102_0304_0506_0708)
            writer.uint16(0xFFFE)
            writer.uint32(0xDEAD_BEEF)
        }
        #expect(bytes.prefix(3) == [0xFE, 0x01, 0x02])
        var reader = Wire.reader(bytes)
        #expect(try reader.int8() == -2)
        #expect(try reader.int16() == 0x0102)
        #expect(try reader.int32() == -0x0102_0304)
        #expect(try reader.int64() == 0x0102_0304_0506_0708)
        #expect(try reader.uint16() == 0xFFFE)
        #expect(try reader.uint32() == 0xDEAD_BEEF)
        #expect(reader.remaining == 0)
    }

    @Test(arguments: [0.0, -1.5, Double.greatestFiniteMagnitude, .infinity, -.leastNonzeroMagnitude])
    func float64RoundTrips(value: Double) throws {
        var reader = Wire.reader(try Wire.bytes { $0.float64(value) })
        #expect(try reader.float64() == value)
    }

    @Test func float64IsIEEEBigEndian() throws {
        #expect(try Wire.bytes { $0.float64(1.0) } == [0x3F, 0xF0, 0, 0, 0, 0, 0, 0])
    }

    @Test func booleanReadsAnyNonZeroAsTrue() throws {
        #expect(try Wire.bytes { $0.boolean(true); $0.boolean(false) } == [1, 0])
        var reader = Wire.reader([0, 1, 0x7F])
        #expect(try reader.boolean() == false)
        #expect(try reader.boolean() == true)
        #expect(try reader.boolean() == true)
    }

    @Test func uuidRoundTripsMostSignificantFirst() throws {
        let id = KafkaUUID(mostSignificantBits: 0x0011_2233_4455_6677, leastSignificantBits: 0x8899_AABB_CCDD_EEFF)
        let bytes = try Wire.bytes { $0.uuid(id) }
        #expect(bytes == [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF])
        var reader = Wire.reader(bytes)
        #expect(try reader.uuid() == id)
        #expect(id.description == "00112233-4455-6677-8899-aabbccddeeff")
        #expect(KafkaUUID.zero.description == "00000000-0000-0000-0000-000000000000")
    }

    @Test(arguments: [false, true])
    func stringsRoundTrip(compact: Bool) throws {
        let bytes = try Wire.bytes { writer in
            try writer.string("héllo", compact: compact)
            try writer.nullableString(nil, compact: compact)
            try writer.nullableString("", compact: compact)
        }
        var reader = Wire.reader(bytes)
        #expect(try reader.string(compact: compact) == "héllo")
        #expect(try reader.nullableString(compact: compact) == nil)
        #expect(try reader.nullableString(compact: compact) == "")
        #expect(reader.remaining == 0)
    }

    @Test func stringEncodingsMatchKafka() throws {
        #expect(try Wire.bytes { try $0.string("ab") } == [0x00, 0x02, 0x61, 0x62])
        #expect(try Wire.bytes { try $0.nullableString(nil) } == [0xFF, 0xFF])
        #expect(try Wire.bytes { try $0.compactString("ab") } == [0x03, 0x61, 0x62])
        #expect(try Wire.bytes { try $0.compactNullableString(nil) } == [0x00])
    }

    @Test(arguments: [false, true])
    func bytesRoundTripAsSlices(compact: Bool) throws {
        let payload = ByteBuffer(bytes: [1, 2, 3])
        let bytes = try Wire.bytes { writer in
            try writer.bytes(payload, compact: compact)
            try writer.nullableBytes(nil, compact: compact)
            try writer.nullableBytes(ByteBuffer(), compact: compact)
        }
        var reader = Wire.reader(bytes)
        #expect(try reader.bytes(compact: compact) == payload)
        #expect(try reader.nullableBytes(compact: compact) == nil)
        #expect(try reader.nullableBytes(compact: compact)?.readableBytes == 0)
        #expect(reader.remaining == 0)
    }

    @Test func bytesEncodingsMatchKafka() throws {
        #expect(try Wire.bytes { try $0.bytes(ByteBuffer(bytes: [9])) } == [0, 0, 0, 1, 9])
        #expect(try Wire.bytes { try $0.nullableBytes(nil) } == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try Wire.bytes { try $0.compactBytes(ByteBuffer(bytes: [9])) } == [0x02, 9])
    }

    @Test(arguments: [false, true])
    func arrayCountsRoundTrip(compact: Bool) throws {
        let bytes = try Wire.bytes { writer in
            try writer.arrayCount(2, compact: compact)
            writer.int8(1)
            writer.int8(2)
            try writer.arrayCount(nil, compact: compact)
            try writer.arrayCount(0, compact: compact)
        }
        var reader = Wire.reader(bytes)
        #expect(try reader.arrayCount(compact: compact) == 2)
        #expect(try reader.skip(2) == ())
        #expect(try reader.nullableArrayCount(compact: compact) == nil)
        #expect(try reader.nullableArrayCount(compact: compact) == 0)
        #expect(reader.remaining == 0)
    }

    @Test func classicStringTooLongToEncodeThrows() {
        let long = String(repeating: "x", count: 32768)
        #expect(throws: ProtocolEncodingError(field: "name", kind: .tooLong(length: 32768, limit: 32767))) {
            _ = try Wire.bytes { try $0.string(long, "name") }
        }
        #expect(throws: Never.self) { _ = try Wire.bytes { try $0.compactString(long) } }
    }
}
