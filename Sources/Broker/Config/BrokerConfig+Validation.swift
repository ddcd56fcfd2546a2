import Coordination

/// The rules that involve more than one key, as Kafka's `KafkaConfig.validateValues` checks them.
extension BrokerConfig {
    func validate() throws(ConfigError) {
        let brokerIdText = originals["broker.id"] ?? String(brokerId)
        if brokerIdGenerationEnable {
            guard brokerId >= -1, brokerId <= reservedBrokerMaxId else {
                throw .invalidValue(key: "broker.id", value: brokerIdText, reason: "must be between -1 (generate one) "
                    + "and reserved.broker.max.id (\(reservedBrokerMaxId))")
            }
        } else {
            guard brokerId >= 0 else {
                throw .invalidValue(key: "broker.id", value: brokerIdText,
                                    reason: "must be at least 0 when broker.id.generation.enable is false")
            }
        }
        if values["log.cleanup.policy"]?.list?.contains("compact") == true {
            throw .invalidValue(key: "log.cleanup.policy", value: values["log.cleanup.policy"]?.loggable ?? "",
                                reason: "Gregor does not compact logs; only delete is supported")
        }
        guard !zookeeperConnect.isEmpty else {
            throw .invalidValue(key: "zookeeper.connect", value: zookeeperConnect, reason: "must not be empty")
        }
        guard !listeners.isEmpty else {
            throw .invalidValue(
                key: "listeners", value: values.string("listeners"), reason: "at least one listener is required")
        }
        let listenerNames = Set(listeners.map(\.listenerName))
        let advertisedNames = Set(advertisedListeners.map(\.listenerName))
        guard advertisedNames.isSubset(of: listenerNames) else {
            throw .invalidValue(key: "advertised.listeners", value: originals["advertised.listeners"] ?? "",
                                reason: "listener names must be equal to or a subset of the ones defined in listeners ("
                                    + listenerNames.sorted().joined(separator: ",") + ")")
        }
        guard advertisedNames.contains(interBrokerListenerName) else {
            let key = originals["inter.broker.listener.name"] == nil
                ? "security.inter.broker.protocol" : "inter.broker.listener.name"
            throw .invalidValue(key: key, value: values.optionalString(key) ?? "",
                                reason: "the inter-broker listener \(interBrokerListenerName) must be a listener name "
                                    + "defined in advertised.listeners (valid options: "
                                    + advertisedNames.sorted().joined(separator: ",") + ")")
        }
        try validateConnectionQuotas()
        _ = try saslListenerConfigs()
        _ = try interBrokerSasl()
    }

    /// `log.dirs` wins over `log.dir`; both are comma-separated, blanks around commas ignored.
    static func logDirs(_ values: [String: ConfigValue]) throws(ConfigError) -> [String] {
        let (key, text) =
            values.optionalString("log.dirs").map { ("log.dirs", $0) } ?? ("log.dir", values.string("log.dir"))
        let dirs = text.split(separator: ",").map { String($0).trimmingJavaWhitespace() }.filter { !$0.isEmpty }
        guard !dirs.isEmpty else {
            throw .invalidValue(key: key, value: text, reason: "at least one log directory is required")
        }
        return dirs
    }

    /// `advertised.listeners`, else `listeners`, with empty hosts replaced by `localHostName`.
    static func advertisedListeners(
        _ values: [String: ConfigValue],
        listeners: [EndPoint],
        protocols: [String: SecurityProtocol],
        localHostName: String
    ) throws(ConfigError) -> [EndPoint] {
        let key: String
        let text: String
        var advertised: [EndPoint]
        if let configured = values.optionalString("advertised.listeners") {
            (key, text) = ("advertised.listeners", configured)
            advertised = try EndPoint.parseList(configured, key: key, protocols: protocols)
        } else {
            (key, text, advertised) = ("listeners", values.string("listeners"), listeners)
        }
        for index in advertised.indices where advertised[index].host.isEmpty {
            advertised[index].host = localHostName
        }
        if advertised.contains(where: { $0.host == "0.0.0.0" }) {
            throw .invalidValue(key: key, value: text, reason: "advertised.listeners cannot use the nonroutable "
                + "meta-address 0.0.0.0. Use a routable IP address.")
        }
        return advertised
    }

    /// Kafka lets an operator name the inter-broker listener or its protocol (whose listener has the same name),
    /// but not both.
    static func interBrokerListenerName(
        _ properties: [String: String],
        _ values: [String: ConfigValue],
        _ protocols: [String: SecurityProtocol]
    ) throws(ConfigError) -> String {
        guard let configured = values.optionalString("inter.broker.listener.name") else {
            return values.string("security.inter.broker.protocol")
        }
        if properties["security.inter.broker.protocol"] != nil {
            throw .invalidValue(key: "inter.broker.listener.name", value: configured,
                                reason: "only one of inter.broker.listener.name and security.inter.broker.protocol "
                                    + "should be set")
        }
        let name = configured.uppercased()
        guard protocols[name] != nil else {
            throw .invalidValue(key: "inter.broker.listener.name", value: configured,
                                reason: "listener \(name) not found in listener.security.protocol.map")
        }
        return name
    }
}
