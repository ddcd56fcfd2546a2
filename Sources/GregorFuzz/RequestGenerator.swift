import KafkaProtocol
import KafkaProtocolGenerator

/// Builds request bodies that follow a schema's shape for one version, with values chosen where parsers and
/// handlers break: counts of -1 and 2^31-1, negative ids, empty and hostile names, huge sizes, garbage records.
/// Names, groups and time limits are drawn mostly from small pools, so requests reach the handlers' logic (existing
/// topics, short waits) instead of stopping at the first lookup.
struct RequestGenerator {
    let api: RequestCatalog.Api
    let version: Int16
    let topics: [String]
    /// False: only well-formed values (counts that match, valid lengths, no unknown tags), so a correct codec
    /// decodes every body; the fuzzer's own test checks the generator that way.
    var hostile = true
    var flexible: Bool { api.isFlexible(version) }

    func body(_ random: inout FuzzRandom) -> [UInt8] {
        var writer = FuzzWriter()
        writeStruct(api.schema.fields, into: &writer, &random, depth: 0)
        return writer.bytes
    }

    private func writeStruct(_ fields: [FieldSpec], into writer: inout FuzzWriter, _ random: inout FuzzRandom, depth: Int) {
        var tagged: [(UInt32, [UInt8])] = []
        for field in fields where field.versions.contains(version) {
            if flexible, field.taggedVersions.contains(version), let tag = field.tag {
                guard random.chance(50) else { continue }
                var value = FuzzWriter()
                write(field, into: &value, &random, depth: depth)
                tagged.append((tag, value.bytes))
            } else {
                write(field, into: &writer, &random, depth: depth)
            }
        }
        guard flexible else { return }
        if hostile, random.chance(5) { tagged.append((UInt32.random(in: 0...1000, using: &random), [UInt8](repeating: 0x41, count: 3))) }
        writer.unsignedVarint(UInt32(tagged.count))
        for (tag, value) in tagged {
            writer.unsignedVarint(tag)
            writer.unsignedVarint(UInt32(value.count))
            writer.bytes += value
        }
    }

    private func write(_ field: FieldSpec, into writer: inout FuzzWriter, _ random: inout FuzzRandom, depth: Int) {
        switch field.type {
        case .primitive(let primitive):
            writePrimitive(primitive, field: field, into: &writer, &random)
        case .structure:
            if let spec = api.structure(of: field) { writeStruct(spec.fields, into: &writer, &random, depth: depth + 1) }
        case .array(let element):
            let count = arrayCount(depth: depth, &random)
            writer.length(count, compact: flexible, wide: true)
            // A claimed count far above what follows: the reader must notice the end of the frame.
            let written = count > 8 ? Int.random(in: 0...2, using: &random) : Int(max(0, count))
            for _ in 0..<written {
                switch element {
                case .primitive(let primitive): writePrimitive(primitive, field: field, into: &writer, &random)
                default:
                    if let spec = api.structure(of: field) { writeStruct(spec.fields, into: &writer, &random, depth: depth + 1) }
                }
            }
        }
    }

    private func arrayCount(depth: Int, _ random: inout FuzzRandom) -> Int64 {
        if hostile, random.chance(3) { return random.pick([-1, -2, Int64(Int32.max), 1 << 24, 40_000]) }
        return Int64.random(in: 0...(depth > 2 ? 1 : 3), using: &random)
    }

    private func writePrimitive(_ primitive: Primitive, field: FieldSpec, into writer: inout FuzzWriter, _ random: inout FuzzRandom) {
        switch primitive {
        case .int8: writer.int8(Int8(truncatingIfNeeded: number(field, bits: 8, &random)))
        case .int16: writer.int16(Int16(truncatingIfNeeded: number(field, bits: 16, &random)))
        case .int32: writer.int32(Int32(truncatingIfNeeded: number(field, bits: 32, &random)))
        case .int64: writer.int64(number(field, bits: 64, &random))
        case .uint16: writer.uint16(UInt16(truncatingIfNeeded: number(field, bits: 17, &random)))
        case .float64: writer.append(random.pick([0.0, -1.0, .nan, .infinity, 1e308]).bitPattern)
        case .bool: writer.bytes.append(!hostile || random.chance(90) ? UInt8.random(in: 0...1, using: &random) : UInt8.random(in: 2...255, using: &random))
        case .uuid: writer.bytes += random.chance(70) ? [UInt8](repeating: 0, count: 16) : (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        case .string:
            if hostile, random.chance(3) {
                writer.length(random.pick([-1, -2, 0x7fff, 1 << 20]), compact: flexible, wide: false)
            } else {
                let text = Array(string(field, &random).utf8)
                writer.length(Int64(text.count), compact: flexible, wide: false)
                writer.bytes += text
            }
        case .bytes, .records:
            let data = primitive == .records && random.chance(60) ? recordBatch(&random) : garbage(&random)
            if hostile, random.chance(3) {
                writer.length(random.pick([-1, -2, Int64(Int32.max)]), compact: flexible, wide: true)
            } else {
                writer.length(Int64(data.count), compact: flexible, wide: true)
                writer.bytes += data
            }
        }
    }

    /// Field names tell what a number means; times and sizes stay mostly small so requests do not park for long.
    private func number(_ field: FieldSpec, bits: Int, _ random: inout FuzzRandom) -> Int64 {
        let name = field.name
        if name.hasSuffix("TimeoutMs") || name.hasSuffix("WaitMs") || name.hasSuffix("WaitTime") {
            return random.chance(95) ? Int64.random(in: 0...10, using: &random) : random.interesting(bits: bits)
        }
        if ["NumPartitions", "Count", "ReplicationFactor"].contains(name) {
            return random.chance(90) ? Int64.random(in: -1...3, using: &random) : random.interesting(bits: bits)
        }
        if name.hasSuffix("PartitionIndex") || name == "Partition" || name.hasSuffix("Partitions") {
            return random.chance(80) ? Int64.random(in: 0...2, using: &random) : random.interesting(bits: bits)
        }
        return random.interesting(bits: bits)
    }

    private func string(_ field: FieldSpec, _ random: inout FuzzRandom) -> String {
        let name = field.name
        if name.contains("Topic") || name == "Name" || name == "ResourceName" {
            // Deletions (of topics, 20, or of their records, 21) get names of their own: deleting the topics or
            // records everything else uses would end the campaign's depth.
            if api.key == 20 || api.key == 21 { return random.chance(80) ? "fuzz-doomed" : random.pick(["", ".."] + topics) }
            if random.chance(75) { return random.pick(topics) }
            return random.pick(["", ".", "..", "../../../../tmp/fuzz", "a/b", String(repeating: "t", count: 250),
                                "fuzz-\(UInt16.random(in: 0...9, using: &random))", "é", "__consumer_offsets"])
        }
        if name.hasSuffix("GroupId") || name == "Key" && random.chance(50) {
            return random.chance(80) ? "fuzz-group-\(UInt8.random(in: 0...2, using: &random))" : random.pick(["", String(repeating: "g", count: 300)])
        }
        if name == "ProtocolType" { return random.pick(["consumer", "", "x"]) }
        if name.hasSuffix("MemberId") || name.hasSuffix("InstanceId") { return random.pick(["", "m", "fuzz-member"]) }
        let length = random.chance(90) ? Int.random(in: 0...12, using: &random) : Int.random(in: 0...400, using: &random)
        return String((0..<length).map { _ in random.pick(Array("abcxyz019._-/ \u{0}é")) })
    }

    private func garbage(_ random: inout FuzzRandom) -> [UInt8] {
        (0..<Int.random(in: 0...(random.chance(90) ? 64 : 4096), using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// A well-formed v2 batch, sometimes damaged afterwards by the mutator, so Produce reaches its validation.
    private func recordBatch(_ random: inout FuzzRandom) -> [UInt8] {
        var builder = RecordBatchBuilder(baseTimestamp: Int64.random(in: 0...2_000_000_000_000, using: &random))
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            builder.append(key: random.chance(50) ? nil : [1, 2], value: garbage(&random))
        }
        return builder.build()
    }
}
