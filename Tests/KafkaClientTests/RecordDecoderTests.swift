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

    @Test func kafkaPythonGzipBatchInflates() throws {
        let records = try RecordDecoder.decode(try fixture("gzip"), partition: 0).records
        #expect(records.count == 8)
        #expect(records.map(\.timestamp) == [0, 3, 1, 11, 4, 6, 2, 8].map { baseTimestamp + $0 })
        for (i, record) in records.enumerated() {
            #expect(record.offset == Int64(i))
            #expect(record.key == Array("gzip-key-\(i)".utf8))
            #expect(record.value == Array("gzip value \(i): \(fox)".utf8))
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

    @Test func snappyIsReportedAsUnsupported() throws {
        #expect(throws: KafkaClientError.unsupportedCompression("snappy")) {
            try RecordDecoder.decode(try fixture("snappy"), partition: 0)
        }
    }

    @Test func gzipOutputIsCapped() throws {
        let body = try fixture("gzip").getSlice(at: RecordBatch.headerSize, length: 298 - RecordBatch.headerSize)
        let inflated = try Gzip.inflate(try #require(body))
        #expect(inflated.readableBytes > 100)
        #expect(throws: KafkaClientError.self) { try Gzip.inflate(try #require(body), maxInflatedBytes: 100) }
    }
}
