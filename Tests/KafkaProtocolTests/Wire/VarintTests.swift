import NIOCore
import Testing

@testable import KafkaProtocol

@Suite struct VarintTests {
    @Test(arguments: [
        (UInt32(0), [UInt8(0x00)]),
        (127, [0x7F]),
        (128, [0x80, 0x01]),
        (300, [0xAC, 0x02]),
        (UInt32(Int32.max), [0xFF, 0xFF, 0xFF, 0xFF, 0x07]),
        (UInt32.max, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
    ] as [(UInt32, [UInt8])])
    func unsignedVarintEncodingMatchesKafka(value: UInt32, encoded: [UInt8]) throws {
        #expect(try Wire.bytes { $0.unsignedVarint(value) } == encoded)
        var reader = Wire.reader(encoded)
        #expect(try reader.unsignedVarint() == value)
        #expect(reader.remaining == 0)
    }

    /// Zigzag: 0 → 0, -1 → 1, 1 → 2, -2 → 3 (Kafka's ByteUtils.writeVarint).
    @Test(arguments: [
        (Int32(0), [UInt8(0x00)]),
        (-1, [0x01]),
        (1, [0x02]),
        (-2, [0x03]),
        (-64, [0x7F]),
        (64, [0x80, 0x01]),
        (Int32.max, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]),
        (Int32.min, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
    ] as [(Int32, [UInt8])])
    func zigzagVarint(value: Int32, encoded: [UInt8]) throws {
        #expect(try Wire.bytes { $0.varint(value) } == encoded)
        var reader = Wire.reader(encoded)
        #expect(try reader.varint() == value)
    }

    @Test(arguments: [Int64(0), -1, 1, Int64(Int32.max) + 1, Int64(Int32.min) - 1, .max, .min])
    func zigzagVarlongRoundTrips(value: Int64) throws {
        let encoded = try Wire.bytes { $0.varlong(value) }
        #expect(encoded.count <= 10)
        var reader = Wire.reader(encoded)
        #expect(try reader.varlong() == value)
        #expect(reader.remaining == 0)
    }

    @Test func varlongExtremesUseTenBytes() throws {
        #expect(try Wire.bytes { $0.varlong(.min) } == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test func sixByteVarintIsRejected() {
        let overlong: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x80, 0x00]
        #expect(Wire.error(overlong) { try $0.unsignedVarint("n") } == ProtocolDecodingError(field: "n", kind: .invalidVarint))
        #expect(Wire.error(overlong) { try $0.varint() }?.kind == .invalidVarint)
    }

    @Test func fifthByteWithBitsBeyond32IsRejected() {
        #expect(Wire.error([0xFF, 0xFF, 0xFF, 0xFF, 0x10]) { try $0.unsignedVarint() }?.kind == .invalidVarint)
    }

    @Test func elevenByteVarlongIsRejected() {
        let overlong = [UInt8](repeating: 0x80, count: 10) + [0x00]
        #expect(Wire.error(overlong) { try $0.varlong() }?.kind == .invalidVarint)
        // The tenth byte may only carry the 64th bit.
        #expect(Wire.error([UInt8](repeating: 0xFF, count: 9) + [0x02]) { try $0.varlong() }?.kind == .invalidVarint)
    }

    @Test func truncatedVarintIsRejected() {
        #expect(Wire.error([]) { try $0.unsignedVarint() }?.kind == .truncated(needed: 1, available: 0))
        #expect(Wire.error([0x80, 0x80]) { try $0.unsignedVarint() }?.kind == .truncated(needed: 3, available: 2))
    }
}
