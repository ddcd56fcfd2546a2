import NIOCore
import Testing

@testable import KafkaProtocol

/// Encodings checked byte by byte against the layouts in Kafka's protocol guide (kafka.apache.org/protocol), so
/// that a mistake made identically in the encoder and the decoder still fails.
@Suite struct ByteVectorTests {
    /// `Metadata Request (Version: 1) => [topics]`, `topics => name STRING`; a null array asks for every topic.
    @Test func metadataRequestV1() throws {
        let request = MetadataRequest(topics: [.init(name: "foo"), .init(name: "ba")])
        let expected: [UInt8] = [
            0, 0, 0, 2,  // topics: int32 count
            0, 3, 0x66, 0x6F, 0x6F,  // name: int16 length, "foo"
            0, 2, 0x62, 0x61,  // name: "ba"
        ]
        #expect(try bytes(request, version: 1) == expected)
        #expect(try bytes(MetadataRequest(topics: nil), version: 1) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try decode(MetadataRequest.self, expected, version: 1) == request)
    }

    /// v0 has no null array ("all topics" is the empty array there): encoding nil throws, decoding -1 throws.
    @Test func metadataRequestV0HasNoNullTopics() throws {
        #expect(throws: ProtocolEncodingError(field: "topics", kind: .unexpectedNull)) {
            _ = try bytes(MetadataRequest(topics: nil), version: 0)
        }
        #expect(throws: ProtocolDecodingError(field: "topics", kind: .unexpectedNull)) {
            _ = try decode(MetadataRequest.self, [0xFF, 0xFF, 0xFF, 0xFF], version: 0)
        }
    }

    /// `Produce Request (Version: 3) => transactional_id acks timeout_ms [topic_data]`,
    /// `topic_data => name [partition_data]`, `partition_data => index records`, records as int32-length bytes.
    @Test func produceRequestV3() throws {
        let batch = BatchFixture.named("none").bytes
        let request = ProduceRequest(
            transactionalId: nil, acks: -1, timeoutMs: 30_000,
            topicData: [
                .init(name: "test1", partitionData: [.init(index: 2, records: .bytes(ByteBuffer(bytes: batch)))])
            ])
        let length = UInt32(batch.count)
        var expected: [UInt8] = [
            0xFF, 0xFF,  // transactional_id: null
            0xFF, 0xFF,  // acks: -1
            0x00, 0x00, 0x75, 0x30,  // timeout_ms: 30000
            0, 0, 0, 1,  // topic_data: 1 topic
            0, 5, 0x74, 0x65, 0x73, 0x74, 0x31,  // name: "test1"
            0, 0, 0, 1,  // partition_data: 1 partition
            0, 0, 0, 2,  // index: 2
            UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF),
        ]
        expected += batch
        #expect(try bytes(request, version: 3) == expected)

        // Decoded records are a slice of the request buffer: the same memory, not a copy.
        let input = ByteBuffer(bytes: expected)
        var reader = KafkaReader(buffer: input)
        let decoded = try ProduceRequest(from: &reader, version: 3)
        #expect(decoded == request)
        let records = try #require(decoded.topicData.first?.partitionData.first?.records?.buffer)
        let inputStart = input.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let recordsStart = records.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(recordsStart == inputStart + UInt(expected.count - batch.count))
    }

    /// Fetch v4: `[responses] => topic [partitions]`, `partitions => partition_index error_code high_watermark
    /// last_stable_offset [aborted_transactions] records`. A region's length prefix is written in place and its
    /// position recorded; the bytes after it (the next partition) follow in the buffer.
    @Test func fetchResponseWithRegionsV4() throws {
        let response = FetchResponse(
            throttleTimeMs: 0,
            responses: [
                .init(
                    topic: "t",
                    partitions: [
                        .init(
                            partitionIndex: 0, highWatermark: 5, lastStableOffset: 5, abortedTransactions: nil,
                            records: .region(FakeRegion(byteCount: 1000))),
                        .init(
                            partitionIndex: 1, highWatermark: 7, lastStableOffset: 7, abortedTransactions: nil,
                            records: .region(FakeRegion(byteCount: 300))),
                    ])
            ])
        var writer = KafkaWriter()
        try response.encode(into: &writer, version: 4)
        let bytes = Array(writer.buffer.readableBytesView)
        let partition: (Int32, Int64) -> [UInt8] = { index, watermark in
            be(index) + [0, 0] + be(watermark) + be(watermark) + [0xFF, 0xFF, 0xFF, 0xFF]
        }
        let first: [UInt8] =
            [0, 0, 0, 0] + [0, 0, 0, 1, 0, 1, 0x74] + [0, 0, 0, 2] + partition(0, 5) + be(Int32(1000))
        let second = partition(1, 7) + be(Int32(300))
        #expect(bytes == first + second)
        #expect(writer.deferredRegions.map(\.position) == [first.count, first.count + second.count])
        #expect(writer.deferredRegions.map(\.region.byteCount) == [1000, 300])
    }

    /// Fetch v12 (flexible): the region's length is a compact unsigned varint (length + 1), and the partition's
    /// tagged-field section follows the region, so it is the first byte after the recorded position.
    @Test func fetchResponseWithRegionV12() throws {
        let response = FetchResponse(
            responses: [.init(topic: "t", partitions: [.init(records: .region(FakeRegion(byteCount: 1000)))])])
        var writer = KafkaWriter()
        try response.encode(into: &writer, version: 12)
        let bytes = Array(writer.buffer.readableBytesView)
        let position = try #require(writer.deferredRegions.first?.position)
        #expect(Array(bytes[position - 2..<position]) == [0xE9, 0x07])  // 1001 as an unsigned varint
        #expect(Array(bytes[position...]) == [0, 0, 0])  // partition, topic and response tag sections
    }

    /// ApiVersions v3 tags: known tags that differ from their defaults are written in ascending order, merged with
    /// unknown ones; FinalizedFeaturesEpoch at its default (-1) is not written.
    @Test func apiVersionsResponseV3TaggedFields() throws {
        var response = ApiVersionsResponse(
            errorCode: 0, apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 3)], throttleTimeMs: 0,
            supportedFeatures: [.init(name: "f", minVersion: 1, maxVersion: 2)])
        response.unknownTaggedFields = [TaggedField(tag: 3, value: ByteBuffer(bytes: [0xAA]))]
        let expected: [UInt8] = [
            0, 0,  // error_code
            2, 0, 18, 0, 0, 0, 3, 0,  // api_keys: compact count 1+1, one entry, its empty tag section
            0, 0, 0, 0,  // throttle_time_ms
            2,  // two tagged fields
            0, 8, 2, 2, 0x66, 0, 1, 0, 2, 0,  // tag 0, 8 bytes: supported_features [{"f", 1, 2}], compact
            3, 1, 0xAA,  // tag 3 (unknown in 2.8), kept verbatim
        ]
        #expect(try bytes(response, version: 3) == expected)
        #expect(try decode(ApiVersionsResponse.self, expected, version: 3) == response)

        // A tag that is both known (and set) and in unknownTaggedFields cannot be written twice.
        response.unknownTaggedFields = [TaggedField(tag: 0, value: ByteBuffer(bytes: [0]))]
        #expect(throws: ProtocolEncodingError.self) { _ = try bytes(response, version: 3) }
    }

    /// Known and unknown tags interleave by tag number, whichever list each comes from.
    @Test func taggedFieldsMergeInTagOrder() throws {
        let field = { (tag: UInt32) in TaggedField(tag: tag, value: ByteBuffer(bytes: [UInt8(tag)])) }
        var writer = KafkaWriter()
        try writer.taggedFields([field(0), field(2)], merging: [field(1), field(7)], "test")
        #expect(Array(writer.buffer.readableBytesView) == [4, 0, 1, 0, 1, 1, 1, 2, 1, 2, 7, 1, 7])
    }

    /// The UNSUPPORTED_VERSION answer every client can read: ApiVersions v0, listing what this build supports.
    @Test func unsupportedVersionAnswerIsV0() throws {
        let response = ApiVersionsResponse(
            errorCode: 35,
            apiKeys: KafkaApis.all.map {
                .init(
                    apiKey: $0.apiKey.rawValue, minVersion: $0.validVersions.lowerBound,
                    maxVersion: $0.validVersions.upperBound)
            })
        let encoded = try bytes(response, version: 0)
        let count = UInt8(KafkaApis.all.count)  // the array's int32 length: below 256 APIs, its last byte
        #expect(Array(encoded.prefix(12)) == [0, 35, 0, 0, 0, count, 0, 0, 0, 0, 0, 9])  // error, the APIs, Produce 0-9
        #expect(encoded.count == 2 + 4 + Int(count) * 6)
    }

    /// `InitProducerId Request (Version: 4) => transactional_id transaction_timeout_ms producer_id producer_epoch
    /// TAG_BUFFER`, flexible: a null transactional id is the compact length 0. This is what an idempotent
    /// kafka-python 3.x producer sends first.
    @Test func initProducerIdRequestV4() throws {
        let request = InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 60_000)
        let expected: [UInt8] = [
            0x00,  // transactional_id: compact nullable string, 0 = null
            0x00, 0x00, 0xEA, 0x60,  // transaction_timeout_ms: 60000
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  // producer_id: -1 (v3+)
            0xFF, 0xFF,  // producer_epoch: -1 (v3+)
            0x00,  // no tagged fields
        ]
        #expect(try bytes(request, version: 4) == expected)
        #expect(try decode(InitProducerIdRequest.self, expected, version: 4) == request)
        // v0 has neither the id/epoch pair nor tagged fields, and a classic nullable string.
        #expect(try bytes(request, version: 0) == [0xFF, 0xFF, 0x00, 0x00, 0xEA, 0x60])
    }

    /// `InitProducerId Response (Version: 2) => throttle_time_ms error_code producer_id producer_epoch TAG_BUFFER`.
    @Test func initProducerIdResponseV2() throws {
        let response = InitProducerIdResponse(throttleTimeMs: 0, errorCode: 0, producerId: 1000, producerEpoch: 0)
        let expected: [UInt8] = [0, 0, 0, 0, 0, 0] + be(Int64(1000)) + [0, 0, 0x00]
        #expect(try bytes(response, version: 2) == expected)
        #expect(try decode(InitProducerIdResponse.self, expected, version: 2) == response)
        #expect(try bytes(response, version: 1) == Array(expected.dropLast()))
    }

    /// DeleteRecords as kafka-python 3.x's `delete_records({t-0: 3}, timeout_ms=30000)` encodes it (bytes from its
    /// `DeleteRecordsRequest.encode`): v0 classic, v2 flexible.
    @Test func deleteRecordsRequestAsKafkaPythonSendsIt() throws {
        let request = DeleteRecordsRequest(
            topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, offset: 3)])], timeoutMs: 30_000)
        let v0: [UInt8] = [0, 0, 0, 1, 0, 1, 116, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 117, 48]
        let v2: [UInt8] = [2, 2, 116, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 117, 48, 0]
        #expect(try bytes(request, version: 0) == v0)
        #expect(try bytes(request, version: 2) == v2)
        #expect(try decode(DeleteRecordsRequest.self, v2, version: 2) == request)
    }

    /// DescribeCluster v0 is flexible from its first version: the flag, then an empty tag buffer (kafka-python's
    /// bytes); the response's null error message is compact length 0.
    @Test func describeClusterV0() throws {
        #expect(try bytes(DescribeClusterRequest(includeClusterAuthorizedOperations: true), version: 0) == [1, 0])
        let response = DescribeClusterResponse(
            clusterId: "c", controllerId: 1, brokers: [.init(brokerId: 1, host: "h", port: 9092, rack: nil)])
        let expected: [UInt8] =
            [0, 0, 0, 0, 0, 0]  // throttle_time_ms, error_code
            + [0]  // error_message: null
            + [2, 99] + be(Int32(1))  // cluster_id "c", controller_id
            + [2] + be(Int32(1)) + [2, 104] + be(Int32(9092)) + [0, 0]  // one broker: id, "h", port, rack null, tags
            + be(Int32.min) + [0]  // cluster_authorized_operations not requested, tags
        #expect(try bytes(response, version: 0) == expected)
        #expect(try decode(DescribeClusterResponse.self, expected, version: 0) == response)
    }

    /// An array count above `WireLimits.maxArrayCount` is rejected from the count alone, before any element is
    /// decoded or any capacity reserved.
    @Test func arrayCountAboveTheLimitThrows() throws {
        let limits = WireLimits(maxArrayCount: 2)
        let body: [UInt8] = [0, 0, 0, 3] + [UInt8](repeating: 0, count: 64)
        var reader = KafkaReader(buffer: ByteBuffer(bytes: body), limits: limits)
        #expect(throws: ProtocolDecodingError(field: "topics", kind: .tooLong(length: 3, limit: 2))) {
            _ = try MetadataRequest(from: &reader, version: 1)
        }
        // A count of 100 000 000 in a 4-byte frame: over the default limit, so nothing is reserved.
        var huge = KafkaReader(buffer: ByteBuffer(bytes: [0x05, 0xF5, 0xE1, 0x00]))
        #expect(throws: ProtocolDecodingError(field: "topics", kind: .tooLong(length: 100_000_000, limit: 100_000))) {
            _ = try MetadataRequest(from: &huge, version: 1)
        }
    }
}

struct FakeRegion: RecordsRegion {
    let byteCount: Int
}

private func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
}

/// Encodes at `version` (shared by the byte-vector suites).
func bytes<M: KafkaMessage>(_ value: M, version: Int16) throws -> [UInt8] {
    Array(try encode(value, version: version).readableBytesView)
}

func decode<M: KafkaMessage>(_ type: M.Type, _ bytes: [UInt8], version: Int16) throws -> M {
    var reader = KafkaReader(buffer: ByteBuffer(bytes: bytes))
    let value = try M(from: &reader, version: version)
    #expect(reader.remaining == 0)
    return value
}
