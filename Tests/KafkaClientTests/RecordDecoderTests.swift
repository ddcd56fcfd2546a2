import Foundation
import KafkaProtocol
import NIOCore
import Testing

@testable import KafkaClient

/// A batch from Fixtures/ (copied from KafkaProtocolTests: made by kafka-python, see generate_batches.py there).
private func fixture(_ name: String) throws -> ByteBuffer {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "bin"))
    return ByteBuffer(bytes: try Data(contentsOf: url))
}

private func batch(baseOffset: Int64, _ build: (inout RecordBatchBuilder) -> Void) -> [UInt8] {
    var builder = RecordBatchBuilder(baseTimestamp: 1_000)
    build(&builder)
    var bytes = builder.build()
    bytes.withUnsafeMutableBytes { RecordBatch.setBaseOffset(baseOffset, in: $0) }
    return bytes
}

private let baseTimestamp: Int64 = 1_700_000_000_000
private let fox = String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 6)

@Suite struct RecordDecoderTests {
    @Test func builderBatchesRoundTripWithOffsetsTimestampsAndHeaders() throws {
        let first = batch(baseOffset: 10) { builder in
            builder.append(key: Array("k".utf8), value: Array("v1".utf8), headers: [.init(key: "h", value: [1])])
            builder.append(key: nil, value: nil, timestamp: 1_005)
        }
        let second = batch(baseOffset: 12) { builder in
            builder.append(key: [], value: Array("v3".utf8), headers: [.init(key: "n", value: nil)])
        }
        let decoded = try RecordDecoder.decode(ByteBuffer(bytes: first + second), partition: 3)
        #expect(decoded.records == [
            ConsumerRecord(partition: 3, offset: 10, timestamp: 1_000, key: Array("k".utf8), value: Array("v1".utf8),
                           headers: [.init(key: "h", value: [1])]),
            ConsumerRecord(partition: 3, offset: 11, timestamp: 1_005, key: nil, value: nil),
            ConsumerRecord(partition: 3, offset: 12, timestamp: 1_000, key: [], value: Array("v3".utf8),
                           headers: [.init(key: "n", value: nil)]),
        ])
        #expect(decoded.nextOffset == 13)
    }

    @Test func recordsBeforeTheRequestedOffsetAreSkipped() throws {
        let bytes = batch(baseOffset: 100) { builder in
            for i in 0..<4 { builder.append(key: nil, value: [UInt8(i)]) }
        }
        let decoded = try RecordDecoder.decode(ByteBuffer(bytes: bytes), partition: 0, fromOffset: 102)
        #expect(decoded.records.map(\.offset) == [102, 103])
        #expect(try RecordDecoder.decode(ByteBuffer(bytes: bytes), partition: 0, fromOffset: 104).records.isEmpty)
    }

    @Test func trailingPartialBatchIsIgnoredAsInAFetchCutAtMaxBytes() throws {
        let whole = batch(baseOffset: 0) { $0.append(key: nil, value: [1]) }
        let next = batch(baseOffset: 1) { $0.append(key: nil, value: [2]) }
        let decoded = try RecordDecoder.decode(ByteBuffer(bytes: whole + next.prefix(next.count - 3)), partition: 0)
        #expect(decoded.records.map(\.offset) == [0])
        #expect(decoded.nextOffset == 1)
        #expect(try RecordDecoder.decode(ByteBuffer(bytes: next.prefix(20)), partition: 0) == DecodedRecords())
    }

    @Test func checksumMismatchIsCorrupt() throws {
        var bytes = batch(baseOffset: 0) { $0.append(key: nil, value: Array("value".utf8)) }
        bytes[bytes.count - 2] ^= 0xFF
        #expect {
            try RecordDecoder.decode(ByteBuffer(bytes: bytes), partition: 0)
        } throws: { error in
            guard case KafkaClientError.corruptRecords = error else { return false }
            return true
        }
    }

    @Test func kafkaPythonUncompressedBatch() throws {
        let records = try RecordDecoder.decode(try fixture("none"), partition: 0).records
        #expect(records.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(records.map(\.timestamp) == [0, 5, 2, 9, 7].map { baseTimestamp + $0 })
        #expect(records.map(\.key) == [Array("k0".utf8), nil, Array("k2".utf8), Array("k3".utf8), Array("k4".utf8)])
        #expect(records[0].value == Array("v0".utf8))
        #expect(records[2].value == nil)
        #expect(records[3].value == Array(String(repeating: "v3", count: 20).utf8))
        #expect(records[4].value == [])
        #expect(records[0].headers == [.init(key: "h", value: Array("x".utf8))])
        #expect(records[2].headers == [.init(key: "tombstone", value: nil)])
        #expect(records[3].headers.map(\.key) == ["a", "b"])
    }

    /// kafka-python compressed these (see generate_batches.py); each codec decodes to the same eight records.
    @Test(arguments: ["gzip", "snappy", "lz4", "zstd"])
    func kafkaPythonCompressedBatchesDecode(codec: String) throws {
        let records = try RecordDecoder.decode(try fixture(codec), partition: 0).records
        #expect(records.count == 8)
        #expect(records.map(\.timestamp) == [0, 3, 1, 11, 4, 6, 2, 8].map { baseTimestamp + $0 })
        for (i, record) in records.enumerated() {
            #expect(record.offset == Int64(i))
            #expect(record.key == Array("\(codec)-key-\(i)".utf8))
            #expect(record.value == Array("\(codec) value \(i): \(fox)".utf8))
            #expect(record.headers == [
                .init(key: "trace-id", value: Array(String(format: "%08x", i).utf8)),
                .init(key: "source", value: Array("gregor-fixture".utf8)),
            ])
        }
    }

    @Test func logAppendTimeBatchUsesTheBrokersTimestampForEveryRecord() throws {
        let records = try RecordDecoder.decode(try fixture("log_append_time"), partition: 0).records
        #expect(records.count == 3)
        #expect(records.allSatisfy { $0.timestamp == baseTimestamp + 60_000 && $0.timestampType == .logAppendTime })
    }

    /// librdkafka may put raw snappy (no xerial framing) in a batch; it decodes like the framed kind.
    @Test func rawSnappyBatchDecodes() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 1_000)
        for i in 0..<20 { builder.append(key: Array("k\(i)".utf8), value: Array(fox.utf8)) }
        let plain = builder.build()
        let framed = try CompressionType.snappy.compress(Array(plain[RecordBatch.headerSize...]))
        // One xerial block (the records are below 32 KiB): 16 bytes of stream header, a 4-byte length, the block.
        var bytes = Array(plain.prefix(RecordBatch.headerSize)) + framed[20...]
        bytes.withUnsafeMutableBytes { buffer in
            buffer.storeBytes(of: Int32(buffer.count - RecordBatch.logOverhead).bigEndian, toByteOffset: 8, as: Int32.self)
            buffer.storeBytes(of: Int16(CompressionType.snappy.rawValue).bigEndian, toByteOffset: 21, as: Int16.self)
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[21...]))
            buffer.storeBytes(of: crc.bigEndian, toByteOffset: 17, as: UInt32.self)
        }
        #expect(try RecordDecoder.decode(ByteBuffer(bytes: bytes), partition: 0)
            == RecordDecoder.decode(ByteBuffer(bytes: plain), partition: 0))
    }

    /// One fetch response holding a batch in each codec, back to back, as a topic written by several producers.
    @Test func batchesInEveryCodecInOneResponse() throws {
        var bytes: [UInt8] = []
        var expected: [Int64] = []
        for (index, codec) in CompressionType.allCases.enumerated() {
            var builder = RecordBatchBuilder(baseTimestamp: 1_000)
            for i in 0..<3 { builder.append(key: nil, value: Array("\(codec.name) \(i)".utf8)) }
            var batch = try builder.build(compression: codec)
            batch.withUnsafeMutableBytes { RecordBatch.setBaseOffset(Int64(index * 3), in: $0) }
            bytes += batch
            expected += (0..<3).map { Int64(index * 3 + $0) }
        }
        let decoded = try RecordDecoder.decode(ByteBuffer(bytes: bytes), partition: 0, fromOffset: 1)
        #expect(decoded.records.map(\.offset) == Array(expected.dropFirst()))
        #expect(decoded.records.last?.value == Array("zstd 2".utf8))
        #expect(decoded.nextOffset == 15)
    }

    @Test(arguments: ["gzip", "snappy", "lz4", "zstd"])
    func decompressedSizeIsCapped(codec: String) throws {
        #expect(try RecordDecoder.decode(try fixture(codec), partition: 0, maxDecompressedBytes: 4_000).records.count == 8)
        #expect {
            try RecordDecoder.decode(try fixture(codec), partition: 0, maxDecompressedBytes: 1_000)
        } throws: { error in
            guard case KafkaClientError.corruptRecords(let reason) = error else { return false }
            return reason.contains("more than 1000 bytes")
        }
    }
}
