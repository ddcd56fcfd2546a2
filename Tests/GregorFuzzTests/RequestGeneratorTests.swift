import Foundation
@testable import GregorFuzz
import KafkaProtocol
import NIOCore
import Testing

/// The fuzzer's requests follow the schemas: built without its hostile values, every body of every API and version
/// decodes with the broker's codec and is consumed to the last byte. So what the broker refuses during a campaign
/// is the damage done on purpose, not a generator that cannot write the protocol.
@Suite struct RequestGeneratorTests {
    static func catalog() throws -> RequestCatalog {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/KafkaProtocol/Schema").standardizedFileURL
        return try RequestCatalog.load(directory: directory)
    }

    @Test func wellFormedBodiesDecodeWithTheBrokersCodec() throws {
        let catalog = try Self.catalog()
        #expect(catalog.apis.count == KafkaApis.supported.count)
        for api in catalog.apis {
            let support = try #require(KafkaApis.supported[ApiKey(rawValue: api.key)])
            for version in api.versions.lowest...api.versions.highest {
                for seed in UInt64(0)..<8 {
                    var random = FuzzRandom(seed: seed)
                    var generator = RequestGenerator(api: api, version: version, topics: ["t"])
                    generator.hostile = false
                    let body = generator.body(&random)
                    var reader = KafkaReader(buffer: ByteBuffer(bytes: body))
                    do {
                        _ = try support.requestType.init(from: &reader, version: version)
                        #expect(reader.remaining == 0, "\(api.schema.name) v\(version) seed \(seed): \(reader.remaining) bytes left")
                    } catch {
                        Issue.record("\(api.schema.name) v\(version) seed \(seed): \(error)")
                    }
                }
            }
        }
    }

    @Test func anInputIsMadeAgainFromItsSeedAndIndex() throws {
        let factory = FuzzInputFactory(catalog: try Self.catalog(), seed: 42, topics: ["t"])
        for index in [0, 1, 99, 123_456] {
            #expect(factory.input(index).frame == factory.input(index).frame)
        }
        #expect(factory.input(1).frame != factory.input(2).frame)
    }

    @Test func mutationsChangeTheBytes() {
        var random = FuzzRandom(seed: 7)
        let input = [UInt8](repeating: 0, count: 64)
        let changed = (0..<100).filter { _ in ByteMutator.mutate(input, &random) != input }.count
        #expect(changed > 80)
    }
}
