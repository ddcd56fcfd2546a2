/// A message ready to emit: every struct it contains, in declaration order, with its fields checked and modelled.
struct ResolvedMessage {
    struct Structure {
        var name: String
        var doc: [String]
        var fields: [FieldModel]
    }

    var schema: MessageSchema
    var top: Structure
    /// Inline structs depth-first in the order they are declared, then common structs.
    var nested: [Structure]
}

/// Checks what the parser cannot: that names are unique and resolve, that tags, nullability and defaults fit the
/// field types and the message's versions. Kafka's generator makes the same checks (`MessageDataGenerator`).
enum SchemaValidator {
    static func resolve(_ schema: MessageSchema) throws(SchemaError) -> ResolvedMessage {
        let file = schema.file
        var specs: [StructSpec] = []
        var seen: Set<String> = [schema.name]
        func collect(_ fields: [FieldSpec]) throws(SchemaError) {
            for field in fields {
                guard let inline = field.inlineStruct else { continue }
                guard seen.insert(inline.name).inserted else {
                    throw SchemaError(file: file, line: field.line, "struct \(inline.name) is declared twice")
                }
                specs.append(inline)
                try collect(inline.fields)
            }
        }
        try collect(schema.fields)
        for common in schema.commonStructs {
            guard seen.insert(common.name).inserted else {
                throw SchemaError(file: file, line: common.line, "struct \(common.name) is declared twice")
            }
            specs.append(common)
            try collect(common.fields)
        }
        let declared = Set(specs.map(\.name))
        var used: Set<String> = []
        func check(_ fields: [FieldSpec]) throws(SchemaError) -> [FieldModel] {
            var models: [FieldModel] = []
            for field in fields {
                if let name = field.type.structName {
                    guard declared.contains(name) else {
                        throw SchemaError(file: file, line: field.line, "struct \(name) is not declared")
                    }
                    used.insert(name)
                }
                models.append(try checkField(field, schema))
            }
            try checkUnique(models, file: file)
            return models
        }
        let top = ResolvedMessage.Structure(name: schema.name, doc: schema.doc, fields: try check(schema.fields))
        var nested: [ResolvedMessage.Structure] = []
        for spec in specs {
            nested.append(.init(name: spec.name, doc: spec.doc, fields: try check(spec.fields)))
        }
        for common in schema.commonStructs where !used.contains(common.name) {
            throw SchemaError(file: file, line: common.line, "struct \(common.name) is never used")
        }
        return ResolvedMessage(schema: schema, top: top, nested: nested)
    }

    private static func checkField(_ field: FieldSpec, _ schema: MessageSchema) throws(SchemaError) -> FieldModel {
        func fail(_ why: String) -> SchemaError {
            SchemaError(file: schema.file, line: field.line, "\(field.name): \(why)")
        }
        let valid = schema.validVersions
        if field.versions.intersection(valid).isEmpty {
            throw fail("versions \(field.versions) are outside the message's versions \(valid)")
        }
        if !field.nullableVersions.isEmpty {
            switch field.type {
            case .array: break
            case .primitive(let primitive) where primitive.canBeNull: break
            default: throw fail("only strings, bytes, records and arrays can be nullable")
            }
        }
        if field.taggedVersions.isEmpty != (field.tag == nil) {
            throw fail("tagged= and tag= go together")
        }
        if !field.taggedVersions.isEmpty {
            if field.type == .primitive(.records) { throw fail("records cannot be tagged") }
            if !field.versions.contains(field.taggedVersions) { throw fail("tagged versions outside versions") }
            if !schema.flexibleVersions.contains(field.taggedVersions) {
                throw fail("tagged versions must be flexible versions (\(schema.flexibleVersions))")
            }
            if field.taggedVersions.highest != field.versions.highest {
                throw fail("a field tagged in some versions stays tagged in every later one")
            }
        }
        return try FieldModel(field, message: schema)
    }

    private static func checkUnique(_ models: [FieldModel], file: String) throws(SchemaError) {
        var properties: Set<String> = ["unknownTaggedFields"]
        var tags: Set<UInt32> = []
        for model in models {
            guard properties.insert(model.property).inserted else {
                throw SchemaError(
                    file: file, line: model.spec.line, "two fields map to Swift property \(model.property)")
            }
            if let tag = model.spec.tag, !tags.insert(tag).inserted {
                throw SchemaError(file: file, line: model.spec.line, "tag \(tag) is used twice in one struct")
            }
        }
    }
}
