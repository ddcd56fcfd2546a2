/// Parses one `.schema` file (format: `Sources/KafkaProtocol/Schema/README.md`) into a `MessageSchema`.
///
/// Only the shape is checked here; `SchemaValidator` checks what the fields mean together (struct references,
/// tags, defaults, version ranges).
public enum SchemaParser {
    public static func parse(_ text: String, file: String) throws(SchemaError) -> MessageSchema {
        var cursor = Cursor(lines: try SchemaLexer.lines(text, file: file), file: file)
        guard let headerLine = cursor.next() else { throw SchemaError(file: file, line: 1, "empty schema") }
        var message = try header(headerLine, file: file)
        message.fields = try fields(&cursor, level: 1)
        while let line = cursor.next() {
            guard line.indent == 0, line.tokens.count == 2, line.tokens[0] == "struct" else {
                throw SchemaError(
                    file: file, line: line.number, "expected `struct Name` or a field indented by two spaces")
            }
            try checkStructName(line.tokens[1], file: file, line: line.number)
            let members = try fields(&cursor, level: 1)
            if members.isEmpty {
                throw SchemaError(file: file, line: line.number, "struct \(line.tokens[1]) has no fields")
            }
            message.commonStructs.append(
                StructSpec(name: line.tokens[1], doc: line.doc, fields: members, line: line.number))
        }
        return message
    }

    struct Cursor {
        var lines: [SchemaLine]
        var file: String
        var index = 0

        func peek() -> SchemaLine? { index < lines.count ? lines[index] : nil }

        mutating func next() -> SchemaLine? {
            defer { index += 1 }
            return peek()
        }
    }

    /// `request MetadataRequest key=3 versions=0-11 flexible=9+`
    private static func header(_ line: SchemaLine, file: String) throws(SchemaError) -> MessageSchema {
        let tokens = line.tokens
        guard line.indent == 0, tokens.count >= 2, let kind = MessageSchema.Kind(rawValue: tokens[0]) else {
            throw SchemaError(
                file: file, line: line.number, "expected `request|response Name key=N versions=R flexible=R`")
        }
        let name = tokens[1]
        let suffix = kind == .request ? "Request" : "Response"
        guard name.hasSuffix(suffix), name.count > suffix.count else {
            throw SchemaError(file: file, line: line.number, "a \(kind.rawValue)'s name must end in \(suffix)")
        }
        try checkStructName(name, file: file, line: line.number)
        var attributes = try Attributes(Array(tokens.dropFirst(2)), file: file, line: line.number)
        guard let keyText = attributes.take("key"), let apiKey = Int16(keyText), apiKey >= 0 else {
            throw SchemaError(file: file, line: line.number, "missing or invalid key=N (the API key)")
        }
        let validVersions = try attributes.range("versions") ?? VersionRange.none
        if validVersions.isEmpty || validVersions.highest == Int16.max {
            throw SchemaError(file: file, line: line.number, "versions= must be a closed range such as 0-11")
        }
        let flexibleVersions = try attributes.range("flexible") ?? VersionRange.none
        try attributes.finish()
        return MessageSchema(
            file: file, kind: kind, name: name, apiKey: apiKey, validVersions: validVersions,
            flexibleVersions: flexibleVersions, doc: line.doc, fields: [], commonStructs: [])
    }

    /// The fields at `level` (two spaces per level), each with the fields of its inline struct nested below it.
    static func fields(_ cursor: inout Cursor, level: Int) throws(SchemaError) -> [FieldSpec] {
        var result: [FieldSpec] = []
        while let line = cursor.peek(), line.indent >= level {
            guard line.indent == level else {
                throw SchemaError(file: cursor.file, line: line.number, "unexpected indentation")
            }
            _ = cursor.next()
            var field = try FieldLineParser.field(line, file: cursor.file)
            if let next = cursor.peek(), next.indent > level {
                guard let structName = field.type.structName else {
                    throw SchemaError(
                        file: cursor.file, line: line.number, "only a struct or struct array field has nested fields")
                }
                let members = try fields(&cursor, level: level + 1)
                field.inlineStruct = StructSpec(name: structName, doc: [], fields: members, line: line.number)
            }
            result.append(field)
        }
        return result
    }

    static func checkStructName(_ name: String, file: String, line: Int) throws(SchemaError) {
        guard let first = name.first, first.isUppercase, name.allSatisfy({ $0.isLetter || $0.isNumber }),
            name.allSatisfy(\.isASCII)
        else { throw SchemaError(file: file, line: line, "`\(name)` is not a valid struct name") }
    }
}
