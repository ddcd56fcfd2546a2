import KafkaProtocol
import Testing

/// A record copied out of a `RecordView`, for comparisons.
struct DecodedRecord: Equatable, CustomStringConvertible {
    var offset: Int64
    var timestamp: Int64
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [RecordBatchBuilder.Header]

    init(offset: Int64, timestamp: Int64, key: [UInt8]?, value: [UInt8]?, headers: [RecordBatchBuilder.Header] = []) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    init(_ view: RecordView) {
        self.init(
            offset: view.offset, timestamp: view.timestamp, key: view.keyBytes, value: view.valueBytes,
            headers: view.headers.copied)
    }

    init(_ fixture: BatchFixture.Record) {
        self.init(
            offset: fixture.offset, timestamp: fixture.timestamp, key: fixture.key.map { Array($0.utf8) },
            value: fixture.value.map { Array($0.utf8) },
            headers: fixture.headers.map { .init(key: $0[0] ?? "", value: $0[1].map { Array($0.utf8) }) })
    }

    var description: String { "offset \(offset) at \(timestamp)" }

    /// Every record of the batch at the start of `bytes`.
    static func all(_ bytes: [UInt8], maxDecompressedBytes: Int = CompressionType.maxDecompressedBytesDefault) throws(RecordDecodingError) -> [DecodedRecord] {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(RecordDecodingError) in
                try RecordBatch.withRecords(in: buffer, maxDecompressedBytes: maxDecompressedBytes) { iterator throws(RecordDecodingError) in
                    var records: [DecodedRecord] = []
                    while let record = try iterator.next() { records.append(DecodedRecord(record)) }
                    return records
                }
            }
        }.get()
    }

    static func error(_ bytes: [UInt8], maxDecompressedBytes: Int = CompressionType.maxDecompressedBytesDefault) -> RecordDecodingError.Kind? {
        do {
            _ = try all(bytes, maxDecompressedBytes: maxDecompressedBytes)
            return nil
        } catch {
            return error.kind
        }
    }
}

@Suite struct RecordIteratorTests {
    /// kafka-python built these (one per codec, plus idempotent, transactional and LogAppendTime batches) and read
    /// every record back; Gregor must read the same records, decompressing with its own codecs.
    @Test(arguments: BatchFixture.all.map(\.name))
    func kafkaPythonFixturesDecodeToTheManifestsRecords(name: String) throws {
        let fixture = BatchFixture.named(name)
        let records = try DecodedRecord.all(fixture.bytes)
        #expect(records.count == fixture.recordsDecoded)
        #expect(records == fixture.records.map(DecodedRecord.init))
        #expect(records.map(\.timestamp).max() == fixture.maxRecordTimestamp || fixture.timestampType == "log_append_time")
    }

    @Test func builderBatchRoundTripsKeysValuesHeadersAndTimestamps() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 1_000)
        builder.append(key: Array("k".utf8), value: Array("v".utf8), headers: [.init(key: "h", value: [1, 2])])
        builder.append(key: nil, value: nil, headers: [.init(key: "null", value: nil), .init(key: "", value: [])], timestamp: 990)
        builder.append(key: [], value: [UInt8](repeating: 7, count: 300), timestamp: 5_000)
        var bytes = builder.build()
        bytes.patch(Int64(40), at: 0)
        #expect(try DecodedRecord.all(bytes) == [
            DecodedRecord(offset: 40, timestamp: 1_000, key: Array("k".utf8), value: Array("v".utf8), headers: [.init(key: "h", value: [1, 2])]),
            DecodedRecord(offset: 41, timestamp: 990, key: nil, value: nil, headers: [.init(key: "null", value: nil), .init(key: "", value: [])]),
            DecodedRecord(offset: 42, timestamp: 5_000, key: [], value: [UInt8](repeating: 7, count: 300)),
        ])
    }

    @Test(arguments: CompressionSamples.codecs)
    func compressedBuilderBatchesReadLikeUncompressedOnes(codec: CompressionType) throws {
        var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000)
        for i in 0..<500 {
            builder.append(
                key: Array("key-\(i)".utf8), value: CompressionSamples.text(100 + i, seed: UInt64(i)),
                headers: [.init(key: "i", value: Array("\(i)".utf8))], timestamp: 1_700_000_000_000 + Int64(i % 17))
        }
        let plain = builder.build()
        let compressed = try builder.build(compression: codec)
        let header = try compressed.withUnsafeBytes { try RecordBatchHeader(parsing: $0) }
        #expect(header.compression == codec)
        #expect(compressed.count < plain.count)
        try compressed.withUnsafeBytes { _ = try RecordBatch.validate($0, maxBatchBytes: .max, origin: .client) }
        #expect(try DecodedRecord.all(compressed) == DecodedRecord.all(plain))
    }

    @Test func logAppendTimeGivesEveryRecordTheBatchMaxTimestamp() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 100)
        builder.append(key: nil, value: [1], timestamp: 100)
        builder.append(key: nil, value: [2], timestamp: 105)
        var bytes = builder.build()
        bytes.withUnsafeMutableBytes { RecordBatch.setLogAppendTime(9_999, in: $0) }
        #expect(try DecodedRecord.all(bytes).map(\.timestamp) == [9_999, 9_999])
    }

    @Test func theIteratorStopsWhereTheCallerStops() throws {
        let fixture = BatchFixture.named("zstd")
        let third = try fixture.bytes.withUnsafeBytes { buffer in
            try RecordBatch.withRecords(in: buffer) { iterator throws(RecordDecodingError) -> (Int64, Int)? in
                while let record = try iterator.next() {
                    if record.timestamp >= fixture.baseTimestamp + 11 { return (record.offset, iterator.index) }
                }
                return nil
            }
        }
        #expect(third?.0 == 3)
        #expect(third?.1 == 4)
    }
}

/// Hostile or damaged batches: every one throws a `RecordDecodingError`, none traps or allocates what it claims.
@Suite struct RecordIteratorHostileInputTests {
    /// Three uncompressed records: value lengths 1, 2 and 3, no keys, no headers (8, 9 and 10 bytes each).
    static func batch() -> [UInt8] {
        var builder = RecordBatchBuilder(baseTimestamp: 0)
        for length in 1...3 { builder.append(key: nil, value: [UInt8](repeating: 0xAB, count: length)) }
        return builder.build()
    }

    /// `bytes` with its records section replaced and the batch length fixed up.
    static func withRecords(_ records: [UInt8], count: Int32, compression: CompressionType = .none) -> [UInt8] {
        var bytes = Array(batch().prefix(RecordBatch.headerSize)) + records
        bytes.patch(Int32(bytes.count - RecordBatch.logOverhead), at: 8)
        bytes.patch(count, at: 57)
        bytes.patch(Int16(compression.rawValue), at: 21)
        return bytes
    }

    static func malformed(_ kind: RecordDecodingError.Kind?) -> (index: Int, error: ProtocolDecodingError)? {
        if case .malformedRecord(let index, let error) = kind { return (index, error) }
        return nil
    }

    @Test func moreRecordsClaimedThanPresent() {
        var bytes = Self.batch()
        bytes.patch(Int32(4), at: 57)
        let found = Self.malformed(DecodedRecord.error(bytes))
        #expect(found?.index == 3)
        #expect(found?.error.field == "record_length")
    }

    @Test func fewerRecordsClaimedThanPresent() {
        var bytes = Self.batch()
        bytes.patch(Int32(2), at: 57)
        #expect(DecodedRecord.error(bytes) == .bytesAfterLastRecord(count: 10))
    }

    @Test func negativeRecordCount() {
        var bytes = Self.batch()
        bytes.patch(Int32(-1), at: 57)
        #expect(DecodedRecord.error(bytes) == .invalidRecordCount(-1))
    }

    @Test func recordsSectionCutShort() {
        let whole = Self.batch()
        for cut in 1..<(whole.count - RecordBatch.headerSize) {
            var bytes = Array(whole.dropLast(cut))
            bytes.patch(Int32(bytes.count - RecordBatch.logOverhead), at: 8)
            #expect(Self.malformed(DecodedRecord.error(bytes)) != nil, "cut \(cut)")
        }
    }

    @Test func batchShorterThanItsLengthOrHeader() {
        let whole = Self.batch()
        #expect(DecodedRecord.error(Array(whole.dropLast())).map { if case .batch = $0 { true } else { false } } == true)
        #expect(DecodedRecord.error(Array(whole.prefix(30))).map { if case .batch = $0 { true } else { false } } == true)
        #expect(DecodedRecord.error([]).map { if case .batch = $0 { true } else { false } } == true)
    }

    @Test func recordFieldsMustFillTheRecordsLength() {
        // length 8: attributes, timestamp delta, offset delta, null key, value length 1 + 1 byte, 0 headers,
        // then one byte too many inside the record.
        let record: [UInt8] = [16, 0, 0, 0, 1, 2, 0xAB, 0, 0x99]
        #expect(Self.malformed(DecodedRecord.error(Self.withRecords(record, count: 1)))?.error.field == "record")
    }

    @Test func lengthsRunningPastTheRecordOrNegative() {
        // Key length 100 in a 6-byte record.
        let longKey: [UInt8] = [12, 0, 0, 0, 200, 1, 0]
        #expect(Self.malformed(DecodedRecord.error(Self.withRecords(longKey, count: 1)))?.error
            == ProtocolDecodingError(field: "key", kind: .truncated(needed: 100, available: 1)))
        // Record length -1.
        #expect(Self.malformed(DecodedRecord.error(Self.withRecords([1], count: 1)))?.error
            == ProtocolDecodingError(field: "record", kind: .negativeLength(-1)))
        // Value length -2.
        let negativeValue: [UInt8] = [10, 0, 0, 0, 1, 3, 0]
        #expect(Self.malformed(DecodedRecord.error(Self.withRecords(negativeValue, count: 1)))?.error
            == ProtocolDecodingError(field: "value", kind: .negativeLength(-2)))
        // A header count far above what the record holds, and a null header key.
        let manyHeaders: [UInt8] = [12, 0, 0, 0, 1, 1, 0xFE, 0xFF, 0xFF, 0xFF, 0x07]
        #expect(Self.malformed(DecodedRecord.error(Self.withRecords(manyHeaders, count: 1)))?.error.field == "header_count")
        let nullHeaderKey: [UInt8] = [16, 0, 0, 0, 1, 1, 2, 1, 1]
        #expect(Self.malformed(DecodedRecord.error(Self.withRecords(nullHeaderKey, count: 1)))?.error
            == ProtocolDecodingError(field: "header_key", kind: .unexpectedNull))
        // A varint that never ends.
        let endless: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(Self.malformed(DecodedRecord.error(Self.withRecords(endless, count: 1)))?.error.kind == .invalidVarint)
    }

    @Test(arguments: CompressionSamples.codecs)
    func compressedGarbageAndBombsThrowDecompressionErrors(codec: CompressionType) throws {
        let garbage = Self.withRecords([1, 2, 3, 4, 5, 6, 7, 8], count: 1, compression: codec)
        guard case .decompression(let error) = DecodedRecord.error(garbage) else {
            Issue.record("\(codec.name): garbage decoded")
            return
        }
        #expect(error.codec == codec)
        var builder = RecordBatchBuilder(baseTimestamp: 0)
        builder.append(key: nil, value: [UInt8](repeating: 0, count: 1 << 20))
        let bomb = try builder.build(compression: codec)
        #expect(bomb.count < 64 << 10)
        #expect(DecodedRecord.error(bomb, maxDecompressedBytes: 512 << 10)
            == .decompression(CompressionError(codec: codec, kind: .outputTooLarge(limit: 512 << 10))))
    }

    /// Every byte of the records section of a real batch replaced by a few values: decoding throws or yields
    /// records, and never traps.
    @Test func everyMutatedByteOfAKafkaPythonBatchIsSurvived() {
        let original = BatchFixture.named("none").bytes
        for position in RecordBatch.headerSize..<original.count {
            for value: UInt8 in [0x00, 0x01, 0x7F, 0x80, 0xFF] {
                var bytes = original
                bytes[position] = value
                _ = try? DecodedRecord.all(bytes)
            }
        }
    }
}
