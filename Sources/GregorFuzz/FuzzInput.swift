/// One input: a whole frame (size prefix included) and what it claims to be, for reports and reproducers.
public struct FuzzInput: Sendable {
    public var index: Int
    public var apiKey: Int16
    public var version: Int16
    public var correlationId: Int32
    public var frame: [UInt8]
    /// A frame whose size prefix is not its length, or that otherwise cannot be answered: the connection is
    /// closed after sending it instead of waiting.
    public var expectsNoAnswer: Bool

    public var signature: String { "api \(apiKey) v\(version)" }

    /// JoinGroup (11) and SyncGroup (14) are answered when their group's rebalance completes, which by Kafka's
    /// protocol may take the longest rebalance timeout of the group's members (any int32 in JoinGroup v1+, the
    /// session timeout, up to `group.max.session.timeout.ms`, in v0): their silence alone is no hang.
    public var mayWaitForItsGroup: Bool { apiKey == 11 || apiKey == 14 }
}

/// Makes input number `index` of a campaign from its seed alone: the same (seed, index) is the same input.
public struct FuzzInputFactory: Sendable {
    public let catalog: RequestCatalog
    public let seed: UInt64
    public let topics: [String]

    public init(catalog: RequestCatalog, seed: UInt64, topics: [String]) {
        self.catalog = catalog
        self.seed = seed
        self.topics = topics
    }

    public func input(_ index: Int) -> FuzzInput {
        var random = FuzzRandom(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        let correlationId = Int32(truncatingIfNeeded: index)
        if random.chance(5) { return raw(index, correlationId, &random) }
        let api = random.pick(catalog.apis)
        let version = Int16.random(in: api.versions.lowest...api.versions.highest, using: &random)
        var body = RequestGenerator(api: api, version: version, topics: topics).body(&random)
        if random.chance(50) { body = ByteMutator.mutate(body, &random) }
        let header = Self.header(api: api.key, version: version, correlationId: correlationId, flexible: api.isFlexible(version))
        return FuzzInput(
            index: index, apiKey: api.key, version: version, correlationId: correlationId,
            frame: Self.sized(header + body), expectsNoAnswer: false)
    }

    /// Frames outside the schemas: unknown APIs and versions, broken headers, size prefixes that lie.
    private func raw(_ index: Int, _ correlationId: Int32, _ random: inout FuzzRandom) -> FuzzInput {
        let apiKey = random.pick([Int16(-1), 999, Int16.max] + catalog.apis.map(\.key))
        let version = random.pick([Int16(-1), 99, Int16.max, 0])
        var payload = Self.header(api: apiKey, version: version, correlationId: correlationId, flexible: random.chance(50))
        payload += (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        if random.chance(20) { payload = ByteMutator.mutate(payload, &random) }
        var frame = Self.sized(payload)
        var lies = false
        if random.chance(30) {
            var writer = FuzzWriter()
            writer.int32(Int32(truncatingIfNeeded: random.interesting(bits: 32)))
            frame.replaceSubrange(0..<4, with: writer.bytes)
            lies = true
        }
        return FuzzInput(index: index, apiKey: apiKey, version: version, correlationId: correlationId, frame: frame, expectsNoAnswer: lies)
    }

    /// Request header v1, or v2 (tagged fields) for flexible versions.
    static func header(api: Int16, version: Int16, correlationId: Int32, flexible: Bool) -> [UInt8] {
        var writer = FuzzWriter()
        writer.int16(api)
        writer.int16(version)
        writer.int32(correlationId)
        writer.int16(4)
        writer.bytes += Array("fuzz".utf8)
        if flexible { writer.unsignedVarint(0) }
        return writer.bytes
    }

    static func sized(_ payload: [UInt8]) -> [UInt8] {
        var writer = FuzzWriter()
        writer.int32(Int32(truncatingIfNeeded: payload.count))
        return writer.bytes + payload
    }
}
