import KafkaProtocol
import NIOCore

/// Kafka v2 record batches built and parsed byte by byte, for bulk test data: uncompressed, no record headers,
/// no producer id (-1). Bytes captured from a real client live in KafkaProtocolTests' fixtures; this builder exists
/// so storage tests can make thousands of batches of any shape, and its parser checks each batch independently of
/// the code under test.
///
/// Layout (Kafka's `DefaultRecordBatch`): baseOffset int64, batchLength int32 (bytes after this field),
/// partitionLeaderEpoch int32, magic int8 = 2, crc uint32 = CRC-32C of everything from attributes to the end,
/// attributes int16, lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64, producerId int64,
/// producerEpoch int16, baseSequence int32, record count int32, then the records, each: length varint,
/// attributes int8, timestampDelta varlong, offsetDelta varint, key (varint length, -1 = null), value (same),
/// header count varint. Varints are zigzag-encoded.
enum TestBatches {
    static let headerSize = 61
    static let crcOffset = 17
    static let attributesOffset = 21

    struct Record: Equatable {
        var timestampDelta: Int64 = 0
        var key: [UInt8]? = nil
        var value: [UInt8]?
    }

    /// One batch; record `i` gets offset delta `i`. Producers send `baseOffset` 0; the log assigns the real one.
    static func batch(baseOffset: Int64 = 0, baseTimestamp: Int64, records: [Record], partitionLeaderEpoch: Int32 = -1) -> [UInt8] {
        precondition(!records.isEmpty, "Kafka batches hold at least one record")
        var body: [UInt8] = []
        for (delta, record) in records.enumerated() {
            var encoded: [UInt8] = [0]
            appendVarlong(&encoded, record.timestampDelta)
            appendVarlong(&encoded, Int64(delta))
            appendBytesField(&encoded, record.key)
            appendBytesField(&encoded, record.value)
            appendVarlong(&encoded, 0)
            appendVarlong(&body, Int64(encoded.count))
            body += encoded
        }
        let maxDelta = records.map(\.timestampDelta).max() ?? 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize + body.count)
        appendInt(&bytes, baseOffset)
        appendInt(&bytes, Int32(headerSize - 12 + body.count))
        appendInt(&bytes, partitionLeaderEpoch)
        bytes.append(2)
        appendInt(&bytes, UInt32(0))
        appendInt(&bytes, Int16(0))
        appendInt(&bytes, Int32(records.count - 1))
        appendInt(&bytes, baseTimestamp)
        appendInt(&bytes, baseTimestamp + maxDelta)
        appendInt(&bytes, Int64(-1))
        appendInt(&bytes, Int16(-1))
        appendInt(&bytes, Int32(-1))
        appendInt(&bytes, Int32(records.count))
        bytes += body
        let crc = crc32c(bytes[attributesOffset...])
        bytes.replaceSubrange(crcOffset..<attributesOffset, with: bigEndianBytes(crc))
        return bytes
    }

    /// A batch whose records carry `OffsetValues` for the offsets the log will assign from `firstOffset`. Its
    /// own base offset is 0, as a producer's must be (the log rejects anything else from a client).
    static func selfDescribing(firstOffset: Int64, count: Int, baseTimestamp: Int64 = 1_700_000_000_000) -> [UInt8] {
        let records = (0..<count).map { Record(timestampDelta: Int64($0), value: OffsetValues.value(for: firstOffset + Int64($0))) }
        return batch(baseTimestamp: baseTimestamp, records: records)
    }


    static func crc32c(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { CRC32C.checksum($0) }
    }

    // MARK: encoding helpers

    static func appendInt<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        bytes += bigEndianBytes(value)
    }

    static func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func appendVarlong(_ bytes: inout [UInt8], _ value: Int64) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while zigzag >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
            zigzag >>= 7
        }
        bytes.append(UInt8(zigzag))
    }

    static func appendBytesField(_ bytes: inout [UInt8], _ field: [UInt8]?) {
        guard let field else {
            appendVarlong(&bytes, -1)
            return
        }
        appendVarlong(&bytes, Int64(field.count))
        bytes += field
    }
}

/// Record values that name their own offset, so a checker can tell a record that moved, vanished or was damaged:
/// the offset as 8 big-endian bytes, then `offset % 97` filler bytes derived from the offset (varying sizes).
enum OffsetValues {
    static func value(for offset: Int64) -> [UInt8] {
        var value = TestBatches.bigEndianBytes(offset)
        let filler = UInt8(truncatingIfNeeded: offset &* 31)
        value += repeatElement(filler, count: Int(offset % 97))
        return value
    }
}

extension [UInt8] {
    /// This batch with its base offset field replaced (outside the CRC), as a leader's log would hand it to a follower.
    func withBaseOffset(_ baseOffset: Int64) -> [UInt8] {
        TestBatches.bigEndianBytes(baseOffset) + self[8...]
    }
}
