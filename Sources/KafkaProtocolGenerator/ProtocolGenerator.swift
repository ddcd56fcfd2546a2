/// A Swift file the generator produces: its file name (no directory) and contents.
public struct GeneratedFile: Hashable, Sendable {
    public var name: String
    public var contents: String

    public init(name: String, contents: String) {
        self.name = name
        self.contents = contents
    }
}

/// A schema file's name and text, as read by the caller (the generator does no I/O).
public struct SchemaSource: Hashable, Sendable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// Schema text in, Swift text out: one codec file per message plus `KafkaApis.swift`, the table of APIs.
///
/// Pure and deterministic (files are processed in name order), so a test can regenerate everything and compare it
/// with what is committed.
public enum ProtocolGenerator {
    /// The file that lists every API (request type, versions, first flexible version).
    public static let apiTableFile = "KafkaApis.swift"

    public static func generate(_ sources: [SchemaSource]) throws(SchemaError) -> [GeneratedFile] {
        let messages = try resolve(sources)
        var files = messages.map { message in
            GeneratedFile(name: message.schema.name + ".swift", contents: MessageEmitter(message: message).emit())
        }
        files.append(GeneratedFile(name: apiTableFile, contents: try ApiTableEmitter.emit(messages.map(\.schema))))
        return files
    }

    /// Sample values for tests: every field present in a version set to a non-default value.
    public static func generateSamples(_ sources: [SchemaSource]) throws(SchemaError) -> GeneratedFile {
        GeneratedFile(name: SampleEmitter.file, contents: SampleEmitter.emit(try resolve(sources)))
    }

    static func resolve(_ sources: [SchemaSource]) throws(SchemaError) -> [ResolvedMessage] {
        var messages: [ResolvedMessage] = []
        for source in sources.sorted(by: { $0.name < $1.name }) {
            let schema = try SchemaParser.parse(source.text, file: source.name)
            guard source.name == schema.name + ".schema" else {
                throw SchemaError(file: source.name, line: 1, "file must be named \(schema.name).schema")
            }
            messages.append(try SchemaValidator.resolve(schema))
        }
        return messages
    }
}
