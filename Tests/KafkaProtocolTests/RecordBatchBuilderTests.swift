import Foundation
import KafkaProtocol
import Testing

@Suite("RecordBatchBuilder")
struct RecordBatchBuilderTests {
    /// The same records as kafka-python's uncompressed fixture (see `Fixtures/generate_batches.py`, `plain`) must
    /// give the same bytes: another implementation's producer output is the specification.
    @Test func buildsExactlyWhatKafkaPythonBuilds() throws {
        let base: Int64 = 1_700_000_000_000
        var builder = RecordBatchBuilder(baseTimestamp: base, partitionLeaderEpoch: 0)
        builder.append(key: Array("k0".utf8), value: Array("v0".utf8), headers: [.init(key: "h", value: Array("x".utf8))], timestamp: base)
        builder.append(key: nil, value: Array("value without key".utf8), timestamp: base + 5)
        builder.append(key: Array("k2".utf8), value: nil, headers: [.init(key: "tombstone", value: nil)], timestamp: base + 2)
        builder.append(
            key: Array("k3".utf8), value: Array(String(repeating: "v3", count: 20).utf8),
            headers: [.init(key: "a", value: Array("1".utf8)), .init(key: "b", value: Array("2".utf8))], timestamp: base + 9)
        builder.append(key: Array("k4".utf8), value: [], timestamp: base + 7)
        let fixture = BatchFixture.named("none").bytes
        #expect(builder.build() == fixture)
    }

    @Test func builtBatchesPassTheBrokersValidation() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 42)
        for i in 0..<100 { builder.append(key: nil, value: Array(repeating: UInt8(i), count: i), timestamp: 42 + Int64(i % 7)) }
        let bytes = builder.build()
        let summary = try bytes.withUnsafeBytes { try RecordBatch.validate($0, maxBatchBytes: 1 << 20) }
        #expect(summary.offsetCount == 100)
        #expect(summary.maxTimestamp == 48)
        let header = try bytes.withUnsafeBytes { try RecordBatchHeader(parsing: $0) }
        #expect(header.baseOffset == 0 && header.recordsCount == 100 && header.lastOffsetDelta == 99)
    }
}
