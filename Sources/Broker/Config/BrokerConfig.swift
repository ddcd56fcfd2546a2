import Coordination
import Foundation
import Storage

/// The broker's configuration: `server.properties` plus `--override key=value`, with Kafka's key names, defaults
/// and validation rules (`ConfigDef.broker`). Everything is parsed and checked once, at startup, so a bad value
/// stops the broker with a message naming the key instead of failing later in the feature that reads it.
///
/// What the broker uses today is in typed properties; any other known key is read with the typed accessors
/// (`int(_:)`, `long(_:)`, ...), so a new feature needs only its entry in `ConfigDef.broker`.
///
/// Listeners: an empty host (`PLAINTEXT://:9092`) binds every interface; when advertised (directly or because
/// `advertised.listeners` is absent) the empty host is replaced by this machine's host name (`gethostname`), as Kafka
/// replaces it by the canonical host name. Advertising `0.0.0.0` is rejected, as in Kafka.
public struct BrokerConfig: Sendable {
    /// -1 until the broker takes the id stored in `meta.properties` or generates one.
    public var brokerId: Int32
    public let brokerIdGenerationEnable: Bool
    public let reservedBrokerMaxId: Int32
    /// nil when `broker.rack` is absent or empty.
    public let rack: String?
    public let listeners: [EndPoint]
    public let advertisedListeners: [EndPoint]
    /// Listener name (upper-cased) to its security protocol.
    public let listenerSecurityProtocolMap: [String: SecurityProtocol]
    /// From `inter.broker.listener.name`, else the listener named after `security.inter.broker.protocol`.
    public let interBrokerListenerName: String
    /// `log.dirs` when set, else `log.dir`; never empty.
    public let logDirs: [String]
    public let zookeeperConnect: String
    public let zookeeperSessionTimeoutMs: Int32
    /// `zookeeper.connection.timeout.ms`, defaulting to the session timeout as in Kafka.
    public let zookeeperConnectionTimeoutMs: Int32
    public let socketRequestMaxBytes: Int32
    public let connectionsMaxIdleMs: Int64
    /// `max.connections.per.ip.overrides`: host (as written) to its connection limit.
    public let maxConnectionsPerIpOverrides: [String: Int]
    /// `metrics.listener`: where metrics and the console are served; nil when unset.
    public let metricsListener: MetricsListener?

    /// `listener.name.<listener>.` values of the TLS and SASL keys, and the listeners' JAAS configs.
    public let listenerConfigs: ListenerConfigs
    /// The properties as given (file merged with overrides), before defaults; unknown keys included.
    public let originals: [String: String]
    /// Problems that do not stop the broker (unknown keys), for the caller to log once at startup.
    public let warnings: [String]
    /// Every known key's typed value; a key with no default that is not configured is absent.
    let values: [String: ConfigValue]

    /// Parses and validates `properties` against `ConfigDef.broker`.
    /// - Parameter localHostName: advertised in place of an empty listener host; injectable for tests.
    public init(properties: [String: String], localHostName: String = HostName.local) throws(ConfigError) {
        let (values, unknownKeys) = try ConfigDef.broker.parse(properties)
        let (listenerConfigs, unknownListenerKeys) = try ListenerConfigs.parse(properties)
        let unknown = Set(unknownKeys).subtracting(
            properties.keys.filter { $0.hasPrefix(ListenerConfigs.prefix) }).union(unknownListenerKeys).sorted()
        self.values = values
        self.listenerConfigs = listenerConfigs
        originals = properties
        warnings = unknown.map { "Unknown configuration key '\($0)' (ignored)" }

        brokerId = values.int("broker.id")
        brokerIdGenerationEnable = values.bool("broker.id.generation.enable")
        reservedBrokerMaxId = values.int("reserved.broker.max.id")
        rack = values.optionalString("broker.rack").flatMap { $0.isEmpty ? nil : $0 }
        zookeeperConnect = values.string("zookeeper.connect")
        zookeeperSessionTimeoutMs = values.int("zookeeper.session.timeout.ms")
        zookeeperConnectionTimeoutMs =
            values.optionalInt("zookeeper.connection.timeout.ms") ?? zookeeperSessionTimeoutMs
        socketRequestMaxBytes = values.int("socket.request.max.bytes")
        connectionsMaxIdleMs = values.long("connections.max.idle.ms")
        maxConnectionsPerIpOverrides = try Self.maxConnectionsPerIpOverrides(values.string("max.connections.per.ip.overrides"))
        logDirs = try Self.logDirs(values)
        metricsListener = try values.optionalString("metrics.listener").flatMap(MetricsListener.init(parsing:))

        let protocolMapKey = "listener.security.protocol.map"
        listenerSecurityProtocolMap = try EndPoint.parseProtocolMap(values.string(protocolMapKey), key: protocolMapKey)
        listeners = try EndPoint.parseList(
            values.string("listeners"), key: "listeners", protocols: listenerSecurityProtocolMap)
        advertisedListeners = try Self.advertisedListeners(
            values, listeners: listeners, protocols: listenerSecurityProtocolMap, localHostName: localHostName)
        interBrokerListenerName = try Self.interBrokerListenerName(properties, values, listenerSecurityProtocolMap)

        try validate()
    }

    /// Reads `path` (Java properties), lets `overrides` replace its values, and parses the result.
    public static func load(
        path: String,
        overrides: [String: String] = [:],
        localHostName: String = HostName.local
    ) throws(ConfigError) -> BrokerConfig {
        guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: "permission denied or not a regular file")
        }
        // Java reads properties files as ISO-8859-1; accept that for files that are not UTF-8.
        let text =
            String(data: data, encoding: .utf8) ?? String(String.UnicodeScalarView(data.map(Unicode.Scalar.init)))
        var properties: [String: String]
        do {
            properties = try JavaProperties.parseDictionary(text)
        } catch {
            throw .malformedFile(path: path, reason: error.description)
        }
        properties.merge(overrides) { _, override in override }
        return try BrokerConfig(properties: properties, localHostName: localHostName)
    }

    /// Splits a command line `--override key=value` at its first `=`; the value may be empty or contain `=`.
    public static func parseOverride(_ text: String) throws(ConfigError) -> (key: String, value: String) {
        guard let equals = text.firstIndex(of: "=") else {
            throw .invalidOverride(text, reason: "expected key=value")
        }
        let key = String(text[..<equals])
        guard !key.isEmpty else { throw .invalidOverride(text, reason: "the key is empty") }
        return (key, String(text[text.index(after: equals)...]))
    }
}
