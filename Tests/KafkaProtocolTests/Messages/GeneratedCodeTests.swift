import Foundation
import KafkaProtocolGenerator
import Testing

/// The committed codecs are exactly what the generator makes from the committed schemas: a schema edited without
/// running `scripts/generate-protocol.sh`, or a hand edit to a generated file, fails here.
@Suite struct GeneratedCodeTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let schemaDirectory = root.appendingPathComponent("Sources/KafkaProtocol/Schema")
    static let outputDirectory = root.appendingPathComponent("Sources/KafkaProtocol/Messages/Generated")
    static let samplesDirectory = root.appendingPathComponent("Tests/KafkaProtocolTests/Messages/Generated")

    static func sources() throws -> [SchemaSource] {
        try FileManager.default.contentsOfDirectory(atPath: schemaDirectory.path)
            .filter { $0.hasSuffix(".schema") }
            .map { name in
                SchemaSource(
                    name: name,
                    text: try String(contentsOf: schemaDirectory.appendingPathComponent(name), encoding: .utf8))
            }
    }

    @Test func committedCodecsMatchTheSchemas() throws {
        let generated = try ProtocolGenerator.generate(Self.sources())
        for file in generated {
            let committed = try? String(
                contentsOf: Self.outputDirectory.appendingPathComponent(file.name), encoding: .utf8)
            Self.expectSame(committed, file)
        }
        let committedNames = try FileManager.default.contentsOfDirectory(atPath: Self.outputDirectory.path)
        #expect(Set(committedNames) == Set(generated.map(\.name)), "generated files without a schema")
    }

    @Test func committedSamplesMatchTheSchemas() throws {
        let samples = try ProtocolGenerator.generateSamples(Self.sources())
        let committed = try? String(
            contentsOf: Self.samplesDirectory.appendingPathComponent(samples.name), encoding: .utf8)
        Self.expectSame(committed, samples)
    }

    /// Names the file and its first differing line rather than printing both files whole.
    static func expectSame(_ committed: String?, _ generated: GeneratedFile) {
        guard let committed else {
            Issue.record("\(generated.name) is missing: run scripts/generate-protocol.sh")
            return
        }
        guard committed != generated.contents else { return }
        let old = committed.split(separator: "\n", omittingEmptySubsequences: false)
        let new = generated.contents.split(separator: "\n", omittingEmptySubsequences: false)
        let line =
            zip(old, new).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset
            ?? min(old.count, new.count)
        Issue.record("\(generated.name) is stale from line \(line + 1): run scripts/generate-protocol.sh")
    }

    @Test func everyApiHasARequestAndAResponse() throws {
        let names = try Self.sources().map(\.name)
        for name in names where name.hasSuffix("Request.schema") {
            #expect(names.contains(name.replacingOccurrences(of: "Request.schema", with: "Response.schema")))
        }
    }
}
