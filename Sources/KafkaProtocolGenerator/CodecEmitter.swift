/// Emits `init(from:version:)` and `encode(into:version:)` for one struct.
///
/// Regular fields are read and written in schema order, each under its version condition; in flexible versions
/// the struct ends with its tagged-field section: known tags are decoded from their slices, unknown ones kept, and
/// on encode the known tags that differ from their defaults are merged with the unknown ones in ascending order.
struct CodecEmitter {
    let schema: MessageSchema
    let structure: ResolvedMessage.Structure
    let isTop: Bool

    private var valid: VersionRange { schema.validVersions }
    private var flexible: VersionRange { schema.flexibleVersions.intersection(valid) }
    private var taggedFields: [FieldModel] { structure.fields.filter { !$0.taggedVersions.isEmpty } }
    private var sectionName: String { "\"\(SwiftNaming.wire(structure.name))_tagged_fields\"" }

    /// The expression for "this version is flexible": a literal when every or no valid version is, else the
    /// `flexible` local that `declareFlexible` emits.
    private var compact: String {
        if flexible.isEmpty { return "false" }
        return flexible.condition(within: valid) == nil ? "true" : "flexible"
    }

    /// The tagged section's condition: nil when every version is flexible.
    private var sectionCondition: String? { compact == "true" ? nil : "flexible" }

    private func declareFlexible(_ out: inout CodeWriter) {
        if let condition = flexible.condition(within: valid), !flexible.isEmpty {
            out.line("let flexible = \(condition)")
        }
    }

    func decoder(_ out: inout CodeWriter) {
        out.block("public init(from reader: inout KafkaReader, version: Int16) throws(ProtocolDecodingError)") { out in
            if isTop {
                out.block("guard Self.validVersions.contains(version) else") { out in
                    out.line("throw ProtocolDecodingError(field: \"api_version\", kind: .invalidValue(Int64(version)))")
                }
            }
            out.line("self.init()")
            declareFlexible(&out)
            for field in structure.fields where !field.regularVersions.isEmpty {
                out.when(field.regularVersions.condition(within: valid)) { out in
                    let value = FieldCodec.decode(
                        field, reader: "reader", compact: compact, within: field.regularVersions)
                    out.line("self.\(field.property) = \(value)")
                }
            }
            guard !flexible.isEmpty else { return }
            out.when(sectionCondition) { out in decodeTaggedSection(&out) }
        }
    }

    private func decodeTaggedSection(_ out: inout CodeWriter) {
        guard !taggedFields.isEmpty else {
            out.line("self.unknownTaggedFields = try reader.taggedFields(\(sectionName))")
            return
        }
        out.block("for field in try reader.taggedFields(\(sectionName))") { out in
            out.line("var value = KafkaReader(buffer: field.value, limits: reader.limits)")
            out.line("switch field.tag {")
            for field in taggedFields {
                let tag = field.spec.tag.map(String.init) ?? "0"
                let condition = field.taggedVersions.condition(within: flexible).map { " where \($0)" } ?? ""
                out.line("case \(tag)\(condition):")
                let value = FieldCodec.decode(field, reader: "value", compact: "true", within: field.taggedVersions)
                out.line("    self.\(field.property) = \(value)")
            }
            out.line("default:")
            out.line("    self.unknownTaggedFields.append(field)")
            out.line("}")
        }
    }

    func encoder(_ out: inout CodeWriter) {
        out.block("public func encode(into writer: inout KafkaWriter, version: Int16) throws(ProtocolEncodingError)") {
            out in
            declareFlexible(&out)
            for field in structure.fields where !field.regularVersions.isEmpty {
                out.when(field.regularVersions.condition(within: valid)) { out in
                    out.line(
                        FieldCodec.encode(field, writer: "writer", compact: compact, within: field.regularVersions))
                }
            }
            guard !flexible.isEmpty else { return }
            out.when(sectionCondition) { out in encodeTaggedSection(&out) }
        }
    }

    private func encodeTaggedSection(_ out: inout CodeWriter) {
        guard !taggedFields.isEmpty else {
            out.line("try writer.taggedFields(self.unknownTaggedFields, \(sectionName))")
            return
        }
        out.line("var tagged: [TaggedField] = []")
        for field in taggedFields {
            let conditions = [field.taggedVersions.condition(within: flexible), field.differsFromDefault]
            out.block("if " + conditions.compactMap { $0 }.joined(separator: ", ")) { out in
                out.line("var value = KafkaWriter()")
                out.line(FieldCodec.encode(field, writer: "value", compact: "true", within: field.taggedVersions))
                out.line("tagged.append(TaggedField(tag: \(field.spec.tag ?? 0), value: value.buffer))")
            }
        }
        out.line("try writer.taggedFields(tagged, merging: self.unknownTaggedFields, \(sectionName))")
    }
}

/// The read expression and write statement for one field, given the reader or writer variable, the compact-form
/// expression, and the versions the code runs in (which settle whether null is allowed).
enum FieldCodec {
    static func decode(_ field: FieldModel, reader: String, compact: String, within range: VersionRange) -> String {
        let name = "\"\(field.wireName)\""
        let nullable = field.nullability(within: range)
        switch field.spec.type {
        case .primitive(let primitive):
            switch primitive {
            case .int8, .int16, .int32, .int64, .uint16, .float64, .uuid:
                return "try \(reader).\(primitive.rawValue)(\(name))"
            case .bool:
                return "try \(reader).boolean(\(name))"
            case .string, .bytes:
                let method = primitive.rawValue
                let nullableMethod = primitive == .string ? "nullableString" : "nullableBytes"
                switch (field.isOptional, nullable) {
                case (false, _), (true, "false"): return "try \(reader).\(method)(\(name), compact: \(compact))"
                case (true, "true"): return "try \(reader).\(nullableMethod)(\(name), compact: \(compact))"
                default:
                    return "try \(reader).\(nullableMethod)(\(name), compact: \(compact), nullable: \(nullable))"
                }
            case .records:
                return "try \(reader).records(\(name), compact: \(compact), nullable: \(nullable))"
            }
        case .array:
            switch (field.isOptional, nullable) {
            case (false, _), (true, "false"):
                return "try \(reader).array(\(name), version: version, compact: \(compact))"
            case (true, "true"): return "try \(reader).nullableArray(\(name), version: version, compact: \(compact))"
            default:
                return
                    "try \(reader).nullableArray(\(name), version: version, compact: \(compact), nullable: \(nullable))"
            }
        case .structure(let structName):
            return "try \(structName)(from: &\(reader), version: version)"
        }
    }

    static func encode(_ field: FieldModel, writer: String, compact: String, within range: VersionRange) -> String {
        let name = "\"\(field.wireName)\""
        let value = "self.\(field.property)"
        let nullable = field.nullability(within: range)
        switch field.spec.type {
        case .primitive(let primitive):
            switch primitive {
            case .int8, .int16, .int32, .int64, .uint16, .float64, .uuid:
                return "\(writer).\(primitive.rawValue)(\(value))"
            case .bool:
                return "\(writer).boolean(\(value))"
            case .string, .bytes:
                let method = primitive.rawValue
                let nullableMethod = primitive == .string ? "nullableString" : "nullableBytes"
                switch (field.isOptional, nullable) {
                case (false, _): return "try \(writer).\(method)(\(value), \(name), compact: \(compact))"
                case (true, "true"):
                    return "try \(writer).\(nullableMethod)(\(value), \(name), compact: \(compact))"
                default:
                    return
                        "try \(writer).\(nullableMethod)(\(value), \(name), compact: \(compact), nullable: \(nullable))"
                }
            case .records:
                return "try \(writer).records(\(value), \(name), compact: \(compact), nullable: \(nullable))"
            }
        case .array:
            if !field.isOptional {
                return "try \(writer).array(\(value), \(name), version: version, compact: \(compact))"
            }
            return "try \(writer).nullableArray(\(value), \(name), version: version, "
                + "compact: \(compact), nullable: \(nullable))"
        case .structure:
            return "try \(value).encode(into: &\(writer), version: version)"
        }
    }
}
