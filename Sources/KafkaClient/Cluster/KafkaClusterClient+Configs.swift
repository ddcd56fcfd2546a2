import KafkaProtocol

/// A resource whose configs DescribeConfigs can read (Kafka's `ConfigResource`).
public struct ConfigResource: Sendable, Hashable {
    public enum ResourceType: Int8, Sendable, Hashable {
        case topic = 2
        case broker = 4
        case brokerLogger = 8
    }

    public var type: ResourceType
    /// The topic name, or the broker id in decimal (empty for the cluster-wide broker default).
    public var name: String

    public init(type: ResourceType, name: String) {
        self.type = type
        self.name = name
    }

    public static func topic(_ name: String) -> ConfigResource { ConfigResource(type: .topic, name: name) }
    public static func broker(_ id: Int32) -> ConfigResource { ConfigResource(type: .broker, name: String(id)) }
}

/// Where a config value comes from (DescribeConfigs v1+ `config_source`, Kafka's `ConfigSource` ids).
public enum ConfigSource: Int8, Sendable, Hashable {
    case unknown = 0
    case topicConfig = 1
    case dynamicBrokerConfig = 2
    case dynamicDefaultBrokerConfig = 3
    case staticBrokerConfig = 4
    case defaultConfig = 5
    case dynamicBrokerLoggerConfig = 6
}

public struct ConfigEntry: Sendable, Hashable {
    public var name: String
    /// Nil for sensitive values and for configs without a value.
    public var value: String?
    public var isReadOnly: Bool
    public var isSensitive: Bool
    public var source: ConfigSource
    /// Every level that sets this config, highest precedence first (when asked for with `includeSynonyms`).
    public var synonyms: [ConfigSynonym]

    public init(
        name: String, value: String?, isReadOnly: Bool = false, isSensitive: Bool = false, source: ConfigSource,
        synonyms: [ConfigSynonym] = []
    ) {
        self.name = name
        self.value = value
        self.isReadOnly = isReadOnly
        self.isSensitive = isSensitive
        self.source = source
        self.synonyms = synonyms
    }

    public var isDefault: Bool { source == .defaultConfig }
}

/// One level that sets a config (DescribeConfigs v1+ synonyms): e.g. `log.retention.hours` in `server.properties`.
public struct ConfigSynonym: Sendable, Hashable {
    public var name: String
    public var value: String?
    public var source: ConfigSource

    public init(name: String, value: String?, source: ConfigSource) {
        self.name = name
        self.value = value
        self.source = source
    }
}

public struct ConfigResourceResult: Sendable, Hashable {
    public var resource: ConfigResource
    public var errorCode: ErrorCode
    public var errorMessage: String?
    public var entries: [ConfigEntry]

    public var error: KafkaClientError? {
        errorCode == .noError ? nil : .broker(errorCode, context: "configs of \(resource.name)", message: errorMessage)
    }
}

extension KafkaClusterClient {
    /// Reads configs: broker resources from that broker (a broker only describes its own), topic resources from
    /// any broker. Returns one result per resource, in order; per-resource errors are in the results.
    ///
    /// - Parameters:
    ///   - keys: only these config names; nil for all.
    ///   - includeSynonyms: also where else each config is set (DescribeConfigs v1+).
    public func describeConfigs(
        _ resources: [ConfigResource], keys: [String]? = nil, includeSynonyms: Bool = false, timeout: Duration? = nil
    ) async throws(KafkaClientError) -> [ConfigResourceResult] {
        var results: [ConfigResourceResult] = []
        for resource in resources {
            let result = try await withRetries("DescribeConfigs for \(resource.name)", timeout: timeout) {
                () async throws(KafkaClientError) -> ConfigResourceResult in
                let connection = try await configConnection(for: resource)
                return try await describeConfigs(
                    of: resource, keys: keys, includeSynonyms: includeSynonyms, on: connection)
            }
            results.append(result)
        }
        return results
    }

    /// Broker resources go to that broker (it alone validates and describes its configs); topics and the
    /// cluster-wide broker defaults to any broker.
    func configConnection(for resource: ConfigResource) async throws(KafkaClientError) -> KafkaConnection {
        if resource.type != .topic, let id = Int32(resource.name) { return try await connection(toBroker: id) }
        return try await anyConnection()
    }

    private func describeConfigs(
        of resource: ConfigResource, keys: [String]?, includeSynonyms: Bool, on connection: KafkaConnection
    ) async throws(KafkaClientError) -> ConfigResourceResult {
        let version = try connection.negotiatedVersion(DescribeConfigsRequest.self)
        var requested = DescribeConfigsRequest.DescribeConfigsResource()
        requested.resourceType = resource.type.rawValue
        requested.resourceName = resource.name
        requested.configurationKeys = keys
        var request = DescribeConfigsRequest()
        request.resources = [requested]
        request.includeSynonyms = includeSynonyms
        let response = try await connection.send(request, version: version)
        guard let answer = response.results.first(where: { $0.resourceName == resource.name }) else {
            throw .decodingFailed(api: .describeConfigs, version: version, reason: "no answer for \(resource.name)")
        }
        let entries = answer.configs.map { config in
            // v0 has only is_default; v1+ says where the value comes from.
            let source = version == 0
                ? (config.isDefault ? ConfigSource.defaultConfig : resource.type == .topic ? .topicConfig : .staticBrokerConfig)
                : ConfigSource(rawValue: config.configSource) ?? .unknown
            return ConfigEntry(
                name: config.name, value: config.value, isReadOnly: config.readOnly, isSensitive: config.isSensitive,
                source: source,
                synonyms: config.synonyms.map {
                    ConfigSynonym(name: $0.name, value: $0.value, source: ConfigSource(rawValue: $0.source) ?? .unknown)
                })
        }
        return ConfigResourceResult(
            resource: resource, errorCode: ErrorCode(rawValue: answer.errorCode), errorMessage: answer.errorMessage,
            entries: entries)
    }
}
