import Foundation
import KafkaProtocolGenerator

/// Every request the broker's schemas describe, read from the `.schema` files (the same ones the codecs are
/// generated from, parsed at run time): the fuzzer builds requests from the shapes, not from the codecs.
public struct RequestCatalog: Sendable {
    public struct Api: Sendable {
        public var schema: MessageSchema
        public var key: Int16 { schema.apiKey }
        public var versions: VersionRange { schema.validVersions }
        public func isFlexible(_ version: Int16) -> Bool { schema.flexibleVersions.contains(version) }

        /// The struct a field refers to: declared inline, or one of the schema's common structs.
        func structure(of field: FieldSpec) -> StructSpec? {
            if let inline = field.inlineStruct { return inline }
            guard let name = field.type.structName else { return nil }
            return schema.commonStructs.first { $0.name == name }
        }
    }

    public let apis: [Api]

    /// - Parameter sources: the text of each `*.schema` file; responses are skipped.
    public init(sources: [(name: String, text: String)]) throws {
        var apis: [Api] = []
        for source in sources.sorted(by: { $0.name < $1.name }) {
            let schema = try SchemaParser.parse(source.text, file: source.name)
            if schema.kind == .request { apis.append(Api(schema: schema)) }
        }
        self.apis = apis
    }

    public func api(key: Int16) -> Api? { apis.first { $0.key == key } }
}

extension RequestCatalog {
    /// The catalog of the `.schema` files in `directory`.
    public static func load(directory: URL) throws -> RequestCatalog {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".schema") }
        return try RequestCatalog(sources: names.map {
            (name: $0, text: try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8))
        })
    }
}

/// What the fuzzer watches of the broker's process.
public enum BrokerProcessStatus {
    /// VmRSS from `/proc/<pid>/status`, in KiB.
    public static func rssKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
}
