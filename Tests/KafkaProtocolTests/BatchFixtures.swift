import Foundation
import KafkaProtocol

/// The record batches made by kafka-python (see Fixtures/generate_batches.py) and what kafka-python read back
/// from them (Fixtures/manifest.json). Loaded once per process.
struct BatchFixture: Decodable, Sendable {
    struct LogAppendTimeMutation: Decodable, Sendable {
        let timestampMs: Int64
        let attributes: Int16
        let crc: UInt32
    }

    /// One record as kafka-python's reader returned it; keys and values are UTF-8 text in these fixtures.
    struct Record: Decodable, Sendable {
        let offset: Int64
        let timestamp: Int64
        let key: String?
        let value: String?
        /// (key, value) pairs.
        let headers: [[String?]]
    }

    let name: String
    let file: String
    let codec: String
    let compressionId: Int8
    let sizeInBytes: Int
    let batchLength: Int32
    let baseOffset: Int64
    let partitionLeaderEpoch: Int32
    let crc: UInt32
    let attributes: Int16
    let lastOffsetDelta: Int32
    let recordCount: Int32
    let recordsDecoded: Int
    let baseTimestamp: Int64
    let maxTimestamp: Int64
    let maxRecordTimestamp: Int64
    let timestampType: String
    let isTransactional: Bool
    let isControl: Bool
    let producerId: Int64
    let producerEpoch: Int16
    let baseSequence: Int32
    let logAppendTime: LogAppendTimeMutation
    let records: [Record]

    /// Filled in after decoding from `file`.
    var bytes: [UInt8] = []

    private enum CodingKeys: String, CodingKey {
        case name, file, codec, compressionId, sizeInBytes, batchLength, baseOffset, partitionLeaderEpoch, crc
        case attributes, lastOffsetDelta, recordCount, recordsDecoded, baseTimestamp, maxTimestamp
        case maxRecordTimestamp, timestampType, isTransactional, isControl, producerId, producerEpoch, baseSequence
        case logAppendTime, records
    }

    /// Batches a producer could send (the LogAppendTime one is what a broker stores, not what a client sends).
    var isProducerBatch: Bool { timestampType == "create_time" }

    static let all: [BatchFixture] = load()

    static func named(_ name: String) -> BatchFixture {
        guard let fixture = all.first(where: { $0.name == name }) else { fatalError("no fixture \(name)") }
        return fixture
    }

    /// Every fixture batch back to back, in manifest order.
    static var concatenated: [UInt8] { all.flatMap(\.bytes) }

    private struct Manifest: Decodable {
        let batches: [BatchFixture]
    }

    private static func load() -> [BatchFixture] {
        do {
            guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
                fatalError("Fixtures missing from the test bundle")
            }
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let manifest = try decoder.decode(
                Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
            return try manifest.batches.map { fixture in
                var loaded = fixture
                loaded.bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(fixture.file)))
                return loaded
            }
        } catch {
            fatalError("cannot load fixtures: \(error)")
        }
    }
}

/// Runs `RecordBatch.validate` on an array; the error, if any, is returned rather than thrown so tests can
/// compare it.
func validation(
    _ bytes: [UInt8], maxBatchBytes: Int = 1_000_012, origin: AppendOrigin = .client
) -> Result<RecordBatch.ValidationSummary, RecordBatchError> {
    bytes.withUnsafeBytes { buffer in
        do throws(RecordBatchError) {
            return .success(try RecordBatch.validate(buffer, maxBatchBytes: maxBatchBytes, origin: origin))
        } catch {
            return .failure(error)
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }

    var success: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}

/// Big-endian field patching for crafting invalid batches, plus re-sealing the CRC so that the mutation under
/// test is the only thing wrong with the batch.
extension Array where Element == UInt8 {
    mutating func patch<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeMutableBytes { $0.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self) }
    }

    func read<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        withUnsafeBytes { T(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    mutating func resealChecksum() {
        let crc = self[21...].withUnsafeBytes { CRC32C.checksum($0) }
        patch(crc, at: 17)
    }
}
