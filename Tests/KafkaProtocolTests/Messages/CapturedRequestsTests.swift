import Foundation
import NIOCore
import Testing

@testable import KafkaProtocol

/// Requests real clients sent to a Gregor broker through a recording proxy (`Fixtures/wire/proxy_capture.py`):
/// kcat, confluent-kafka, kafka-python and aiokafka, each API and version they use, plus the controller's
/// LeaderAndIsr, UpdateMetadata and StopReplica. Each decodes completely with the generated codec and re-encodes
/// to the same bytes, which checks field order, compact and classic encodings and tagged fields against real
/// encoders rather than against our own.
@Suite struct CapturedRequestsTests {
    static var files: [String] {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("wire/requests"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: url.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".bin") }.sorted()
    }

    @Test func everyClientAndApiIsCovered() {
        let files = Self.files
        for client in ["kcat", "confluent-kafka", "kafka-python", "aiokafka"] {
            for api in ["ApiVersions", "Metadata", "Produce", "Fetch", "ListOffsets"] {
                #expect(files.contains { $0.hasPrefix("\(client)-\(api)-v") }, "\(client) \(api)")
            }
        }
        for api in ["CreateTopics", "DeleteTopics", "CreatePartitions", "DescribeConfigs"] {
            #expect(files.contains { $0.contains("-\(api)-v") }, "\(api)")
        }
        for api in ["LeaderAndIsr", "UpdateMetadata", "StopReplica"] {
            #expect(files.contains { $0.hasPrefix("gregor-controller-\(api)-v") }, "\(api)")
        }
    }

    @Test(arguments: CapturedRequestsTests.files)
    func decodesCompletelyAndReencodesByteForByte(file: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("wire/requests/\(file)")
        let bytes = try Data(contentsOf: url)
        var reader = KafkaReader(buffer: ByteBuffer(bytes: bytes))
        #expect(Int(try reader.int32("size")) == bytes.count - 4)
        let prefix = try RequestHeader.peek(reader)
        let support = try #require(KafkaApis.supported[prefix.apiKey], "\(prefix.apiKey) has a codec")
        #expect(file.contains("-v\(prefix.apiVersion).bin"))
        _ = try RequestHeader(from: &reader, version: support.requestHeaderVersion(prefix.apiVersion))
        let body = reader.buffer
        let request = try support.requestType.init(from: &reader, version: prefix.apiVersion)
        #expect(reader.remaining == 0, "\(file): \(reader.remaining) bytes left undecoded")
        var writer = KafkaWriter()
        try request.encode(into: &writer, version: prefix.apiVersion)
        #expect(writer.buffer == body, "\(file) re-encodes byte for byte")
    }
}
