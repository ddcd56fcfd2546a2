/// A strict, independent parser of the bytes a log returns: whole v2 batches, each checked against its CRC-32C,
/// its records decoded (see `TestBatches` for the layout). Anything malformed throws with the byte position.
struct ParsedBatch: Equatable {
    var position: Int
    var size: Int
    var baseOffset: Int64
    var partitionLeaderEpoch: Int32
    var lastOffsetDelta: Int32
    var baseTimestamp: Int64
    var maxTimestamp: Int64
    var storedCRC: UInt32
    var computedCRC: UInt32
    var records: [TestBatches.Record]

    var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    var crcIsValid: Bool { storedCRC == computedCRC }
    var offsets: ClosedRange<Int64> { baseOffset...lastOffset }
}

struct MalformedBatch: Error, CustomStringConvertible {
    var description: String
}

enum TestBatchReader {
    /// Every batch in `bytes`, which must hold whole batches and nothing else.
    static func batches(in bytes: [UInt8]) throws -> [ParsedBatch] {
        var result: [ParsedBatch] = []
        var position = 0
        while position < bytes.count {
            let batch = try batch(in: bytes, at: position)
            result.append(batch)
            position += batch.size
        }
        return result
    }

    /// Batch boundaries only (no CRC or record checks): for finding where to damage a segment file.
    static func boundaries(in bytes: [UInt8]) -> [(position: Int, size: Int, baseOffset: Int64)] {
        var result: [(Int, Int, Int64)] = []
        var position = 0
        while position + 12 <= bytes.count {
            let size = Int(int32(bytes, position + 8)) + 12
            guard size >= TestBatches.headerSize, position + size <= bytes.count else { break }
            result.append((position, size, int64(bytes, position)))
            position += size
        }
        return result
    }

    static func batch(in bytes: [UInt8], at position: Int) throws -> ParsedBatch {
        guard position + TestBatches.headerSize <= bytes.count else {
            throw MalformedBatch(description: "torn batch header at byte \(position) of \(bytes.count)")
        }
        let size = Int(int32(bytes, position + 8)) + 12
        guard size >= TestBatches.headerSize, position + size <= bytes.count else {
            throw MalformedBatch(description: "batch at byte \(position) claims \(size) bytes; \(bytes.count - position) remain")
        }
        guard bytes[position + 16] == 2 else {
            throw MalformedBatch(description: "batch at byte \(position) has magic \(bytes[position + 16])")
        }
        let count = Int(int32(bytes, position + 57))
        var cursor = position + TestBatches.headerSize
        let end = position + size
        var records: [TestBatches.Record] = []
        for expectedDelta in 0..<count {
            let length = try varlong(bytes, &cursor, end)
            let recordEnd = cursor + Int(length)
            guard length > 0, recordEnd <= end else {
                throw MalformedBatch(description: "record \(expectedDelta) of batch at byte \(position) overruns it")
            }
            cursor += 1
            let timestampDelta = try varlong(bytes, &cursor, recordEnd)
            let offsetDelta = try varlong(bytes, &cursor, recordEnd)
            guard offsetDelta == Int64(expectedDelta) else {
                throw MalformedBatch(description: "record \(expectedDelta) of batch at byte \(position) has offset delta \(offsetDelta)")
            }
            let key = try bytesField(bytes, &cursor, recordEnd)
            let value = try bytesField(bytes, &cursor, recordEnd)
            let headers = try varlong(bytes, &cursor, recordEnd)
            guard headers == 0, cursor == recordEnd else {
                throw MalformedBatch(description: "record \(expectedDelta) of batch at byte \(position) has unexpected headers or length")
            }
            records.append(TestBatches.Record(timestampDelta: timestampDelta, key: key, value: value))
        }
        guard cursor == end else {
            throw MalformedBatch(description: "batch at byte \(position) has \(end - cursor) bytes after its records")
        }
        return ParsedBatch(
            position: position, size: size, baseOffset: int64(bytes, position),
            partitionLeaderEpoch: int32(bytes, position + 12), lastOffsetDelta: int32(bytes, position + 23),
            baseTimestamp: int64(bytes, position + 27), maxTimestamp: int64(bytes, position + 35),
            storedCRC: UInt32(bitPattern: int32(bytes, position + TestBatches.crcOffset)),
            computedCRC: TestBatches.crc32c(bytes[(position + TestBatches.attributesOffset)..<end]),
            records: records)
    }

    // MARK: decoding helpers

    static func int64(_ bytes: [UInt8], _ at: Int) -> Int64 {
        bytes.withUnsafeBytes { Int64(bigEndian: $0.loadUnaligned(fromByteOffset: at, as: Int64.self)) }
    }

    static func int32(_ bytes: [UInt8], _ at: Int) -> Int32 {
        bytes.withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(fromByteOffset: at, as: Int32.self)) }
    }

    static func varlong(_ bytes: [UInt8], _ cursor: inout Int, _ end: Int) throws -> Int64 {
        var raw: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard cursor < end, shift < 64 else { throw MalformedBatch(description: "bad varint at byte \(cursor)") }
            let byte = bytes[cursor]
            cursor += 1
            raw |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    static func bytesField(_ bytes: [UInt8], _ cursor: inout Int, _ end: Int) throws -> [UInt8]? {
        let length = try varlong(bytes, &cursor, end)
        guard length >= 0 else { return nil }
        guard cursor + Int(length) <= end else { throw MalformedBatch(description: "field overruns record at byte \(cursor)") }
        defer { cursor += Int(length) }
        return Array(bytes[cursor..<(cursor + Int(length))])
    }
}
