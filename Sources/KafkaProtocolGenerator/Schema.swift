/// The parsed form of one `.schema` file: a Kafka request or response body and the structs it contains.
///
/// The model follows Kafka's message JSON (`clients/src/main/resources/common/message/*.json`) field for field, so
/// a schema can be checked against Kafka's by eye.
public struct MessageSchema: Sendable {
    public enum Kind: String, Sendable {
        case request, response
    }

    public var file: String
    public var kind: Kind
    /// `MetadataRequest`, `MetadataResponse`: also the Swift type name.
    public var name: String
    public var apiKey: Int16
    public var validVersions: VersionRange
    public var flexibleVersions: VersionRange
    public var doc: [String]
    public var fields: [FieldSpec]
    /// Kafka's `commonStructs`: structs referenced by name from more than one field.
    public var commonStructs: [StructSpec]

    /// `Metadata` for `MetadataRequest`: the API's name, as in `ApiKey`.
    public var apiName: String {
        String(name.dropLast(kind == .request ? "Request".count : "Response".count))
    }
}

/// A named struct: either declared inline by an array or struct field, or a common struct.
public struct StructSpec: Sendable {
    public var name: String
    public var doc: [String]
    public var fields: [FieldSpec]
    public var line: Int
}

public struct FieldSpec: Sendable {
    public var name: String
    public var type: FieldType
    public var versions: VersionRange
    public var nullableVersions: VersionRange
    public var taggedVersions: VersionRange
    public var tag: UInt32?
    /// The default exactly as written (`-1`, `0x7fffffff`, `null`, `"a b"`); nil for Kafka's implicit default.
    public var defaultValue: String?
    /// Kafka's `ignorable`: a non-default value may be dropped when a version lacks the field. Gregor's encoders
    /// always drop such values (fields absent from a version are skipped); kept so schemas stay comparable to Kafka's.
    public var ignorable: Bool
    public var doc: [String]
    /// Fields of the struct this field declares inline (`[]Name` or `Name` followed by indented fields).
    public var inlineStruct: StructSpec?
    public var line: Int
}

public indirect enum FieldType: Hashable, Sendable {
    case primitive(Primitive)
    case array(FieldType)
    case structure(String)

    public var structName: String? {
        switch self {
        case .primitive: nil
        case .array(let element): element.structName
        case .structure(let name): name
        }
    }

    public var isArray: Bool {
        if case .array = self { return true }
        return false
    }
}

public enum Primitive: String, CaseIterable, Sendable {
    case int8, int16, int32, int64, uint16, float64, bool, string, bytes, records, uuid

    /// Types whose wire form has a null (length -1, or compact length 0).
    var canBeNull: Bool { self == .string || self == .bytes || self == .records }
}
