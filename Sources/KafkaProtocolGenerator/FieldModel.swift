/// One field as the emitters see it: its Swift name, type and default, and in which versions it is on the wire,
/// tagged, or nullable (as Swift conditions on `version`, nil meaning "always").
struct FieldModel {
    var spec: FieldSpec
    var property: String
    var wireName: String
    var swiftType: String
    var isOptional: Bool
    var defaultExpression: String
    /// Versions (within the message's valid versions) where the field is a regular, positional field.
    var regularVersions: VersionRange
    /// Versions where the field travels in the tagged-field section.
    var taggedVersions: VersionRange

    init(_ spec: FieldSpec, message: MessageSchema) throws(SchemaError) {
        self.spec = spec
        property = SwiftNaming.property(spec.name)
        wireName = SwiftNaming.wire(spec.name)
        let valid = message.validVersions
        let versions = spec.versions.intersection(valid)
        taggedVersions = spec.taggedVersions.intersection(valid)
        regularVersions = taggedVersions.isEmpty ? versions : VersionRange(versions.lowest, taggedVersions.lowest - 1)
        if regularVersions.isEmpty { regularVersions = .none }
        let nullable = !spec.nullableVersions.intersection(versions).isEmpty
        isOptional = nullable || spec.type == .primitive(.records)
        let base = Self.baseType(spec.type)
        swiftType = isOptional ? base + "?" : base
        defaultExpression = try SchemaDefault.expression(for: spec, optional: isOptional, file: message.file)
    }

    static func baseType(_ type: FieldType) -> String {
        switch type {
        case .primitive(let primitive): primitiveType(primitive)
        case .array(let element): "[\(baseType(element))]"
        case .structure(let name): name
        }
    }

    static func primitiveType(_ primitive: Primitive) -> String {
        switch primitive {
        case .int8: "Int8"
        case .int16: "Int16"
        case .int32: "Int32"
        case .int64: "Int64"
        case .uint16: "UInt16"
        case .float64: "Double"
        case .bool: "Bool"
        case .string: "String"
        case .bytes: "ByteBuffer"
        case .records: "KafkaRecords"
        case .uuid: "KafkaUUID"
        }
    }

    /// Whether a null may be on the wire, as a Swift condition within `range` ("true"/"false" when it is settled).
    func nullability(within range: VersionRange) -> String {
        let nullable = spec.nullableVersions.intersection(range)
        if nullable.isEmpty { return "false" }
        return nullable.condition(within: range) ?? "true"
    }

    /// The Swift test for "differs from the default", deciding whether a tagged field is written.
    var differsFromDefault: String {
        if defaultExpression == "[]" { return "!self.\(property).isEmpty" }
        return "self.\(property) != \(defaultExpression)"
    }
}

/// Kafka's defaults (`FieldSpec.java`): 0, false, "" and empty collections unless the schema says otherwise;
/// `null` only where the field is nullable; records default to null.
enum SchemaDefault {
    static func expression(for spec: FieldSpec, optional: Bool, file: String) throws(SchemaError) -> String {
        let raw = spec.defaultValue
        func fail(_ why: String) -> SchemaError {
            SchemaError(file: file, line: spec.line, "default=\(raw ?? "") for \(spec.name): \(why)")
        }
        if raw == "null" {
            guard optional else { throw fail("null needs nullable= versions") }
            if case .structure = spec.type { throw fail("a struct cannot be null") }
            return "nil"
        }
        switch spec.type {
        case .array:
            guard raw == nil else { throw fail("arrays default to empty or null") }
            return "[]"
        case .structure(let name):
            guard raw == nil else { throw fail("structs default to their fields' defaults") }
            return "\(name)()"
        case .primitive(let primitive):
            return try primitiveDefault(primitive, raw, fail)
        }
    }

    private static func primitiveDefault(
        _ primitive: Primitive, _ raw: String?, _ fail: (String) -> SchemaError
    ) throws(SchemaError) -> String {
        switch primitive {
        case .int8: return try integer(raw, Int64(Int8.min), Int64(Int8.max), fail)
        case .int16: return try integer(raw, Int64(Int16.min), Int64(Int16.max), fail)
        case .int32: return try integer(raw, Int64(Int32.min), Int64(Int32.max), fail)
        case .int64: return try integer(raw, Int64.min, Int64.max, fail)
        case .uint16: return try integer(raw, 0, Int64(UInt16.max), fail)
        case .float64:
            guard let raw else { return "0.0" }
            guard let value = Double(raw), value.isFinite else { throw fail("not a number") }
            return "\(value)"
        case .bool:
            guard let raw else { return "false" }
            guard raw == "true" || raw == "false" else { throw fail("expected true or false") }
            return raw
        case .string:
            guard let raw else { return "\"\"" }
            return try stringLiteral(raw, fail)
        case .bytes:
            guard raw == nil else { throw fail("bytes default to empty or null") }
            return "ByteBuffer()"
        case .records:
            guard raw == nil else { throw fail("records default to null") }
            return "nil"
        case .uuid:
            guard raw == nil else { throw fail("uuids default to the zero uuid") }
            return "KafkaUUID.zero"
        }
    }

    /// Decimal or `0x` hex, optionally negative, within the type's range; rendered in decimal.
    private static func integer(
        _ raw: String?, _ low: Int64, _ high: Int64, _ fail: (String) -> SchemaError
    ) throws(SchemaError) -> String {
        guard let raw else { return "0" }
        let negative = raw.hasPrefix("-")
        let digits = negative ? raw.dropFirst() : Substring(raw)
        let magnitude: UInt64? =
            digits.hasPrefix("0x") ? UInt64(digits.dropFirst(2), radix: 16) : UInt64(digits, radix: 10)
        guard let magnitude else { throw fail("not an integer") }
        let limit = negative ? UInt64(bitPattern: low).magnitudeOfNegative : UInt64(high)
        guard magnitude <= limit else { throw fail("out of range") }
        if negative { return magnitude == 0 ? "0" : "-\(magnitude)" }
        return "\(magnitude)"
    }

    /// A quoted default keeps its `\"` and `\\` escapes, which mean the same in Swift; a bare word is quoted.
    private static func stringLiteral(_ raw: String, _ fail: (String) -> SchemaError) throws(SchemaError) -> String {
        guard raw.hasPrefix("\"") else {
            guard !raw.contains("\\"), !raw.contains("\"") else { throw fail("quote text with backslashes") }
            return "\"\(raw)\""
        }
        guard raw.count >= 2, raw.hasSuffix("\"") else { throw fail("unterminated quote") }
        var escaped = false
        for character in raw.dropFirst().dropLast() {
            if escaped {
                guard character == "\"" || character == "\\" else { throw fail("only \\\" and \\\\ escapes") }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                throw fail("text after the closing quote")
            }
        }
        guard !escaped else { throw fail("dangling backslash") }
        return raw
    }
}

extension UInt64 {
    /// For a negative `Int64` stored as its bit pattern: the magnitude of that negative number.
    fileprivate var magnitudeOfNegative: UInt64 { Int64(bitPattern: self).magnitude }
}
