/// One field line: `Name type versions [nullable=R] [tagged=R tag=N] [default=V] [ignorable]`.
enum FieldLineParser {
    static func field(_ line: SchemaLine, file: String) throws(SchemaError) -> FieldSpec {
        let tokens = line.tokens
        guard tokens.count >= 3 else {
            throw SchemaError(file: file, line: line.number, "expected `Name type versions [attributes]`")
        }
        let name = tokens[0]
        guard let first = name.first, first.isLetter, name.allSatisfy({ ($0.isLetter || $0.isNumber) && $0.isASCII })
        else { throw SchemaError(file: file, line: line.number, "`\(name)` is not a valid field name") }
        let type = try fieldType(tokens[1], file: file, line: line.number)
        guard let versions = VersionRange(parsing: tokens[2]), !versions.isEmpty else {
            throw SchemaError(file: file, line: line.number, "`\(tokens[2])` is not a version range (3, 3+, 0-5)")
        }
        var attributes = try Attributes(Array(tokens.dropFirst(3)), file: file, line: line.number)
        let nullable = try attributes.range("nullable") ?? .none
        let tagged = try attributes.range("tagged") ?? .none
        var tag: UInt32?
        if let tagText = attributes.take("tag") {
            guard let value = UInt32(tagText) else {
                throw SchemaError(file: file, line: line.number, "tag must be a non-negative integer")
            }
            tag = value
        }
        let defaultValue = attributes.take("default")
        let ignorable = attributes.flag("ignorable")
        try attributes.finish()
        return FieldSpec(
            name: name, type: type, versions: versions, nullableVersions: nullable, taggedVersions: tagged, tag: tag,
            defaultValue: defaultValue, ignorable: ignorable, doc: line.doc, inlineStruct: nil, line: line.number)
    }

    static func fieldType(_ text: String, file: String, line: Int) throws(SchemaError) -> FieldType {
        if text.hasPrefix("[]") {
            let element = try fieldType(String(text.dropFirst(2)), file: file, line: line)
            if element.isArray || element == .primitive(.records) {
                throw SchemaError(file: file, line: line, "arrays of arrays or of records are not Kafka types")
            }
            return .array(element)
        }
        if let primitive = Primitive(rawValue: text) { return .primitive(primitive) }
        try SchemaParser.checkStructName(text, file: file, line: line)
        return .structure(text)
    }
}

/// `key=value` and bare-flag attributes of a line; `finish()` rejects any left unread (typos must not pass).
struct Attributes {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    private let file: String
    private let line: Int

    init(_ tokens: [String], file: String, line: Int) throws(SchemaError) {
        self.file = file
        self.line = line
        for token in tokens {
            if let equals = token.firstIndex(of: "=") {
                let key = String(token[..<equals])
                guard values[key] == nil else { throw SchemaError(file: file, line: line, "\(key)= given twice") }
                values[key] = String(token[token.index(after: equals)...])
            } else {
                flags.insert(token)
            }
        }
    }

    mutating func take(_ key: String) -> String? { values.removeValue(forKey: key) }

    mutating func flag(_ name: String) -> Bool { flags.remove(name) != nil }

    mutating func range(_ key: String) throws(SchemaError) -> VersionRange? {
        guard let text = take(key) else { return nil }
        guard let range = VersionRange(parsing: text) else {
            throw SchemaError(file: file, line: line, "\(key)=\(text) is not a version range (none, 3, 3+, 0-5)")
        }
        return range
    }

    func finish() throws(SchemaError) {
        let unknown = values.keys.sorted().map { "\($0)=" } + flags.sorted()
        if !unknown.isEmpty {
            throw SchemaError(file: file, line: line, "unknown attribute(s): \(unknown.joined(separator: ", "))")
        }
    }
}
