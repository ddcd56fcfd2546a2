import Logging
import Synchronization

/// The broker's configuration as it is now (Kafka's `DynamicBrokerConfig`): `server.properties` with the dynamic
/// configs from ZooKeeper over it. Precedence: this broker's `/config/brokers/<id>`, then the cluster-wide
/// `/config/brokers/<default>`, then `server.properties`, then the defaults. Thread-safe; readers take `current`.
final class DynamicBrokerConfig: Sendable {
    let staticConfig: BrokerConfig
    private let state: Mutex<State>

    private struct State {
        var clusterDefault: [String: String] = [:]
        var perBroker: [String: String] = [:]
        var current: BrokerConfig
    }

    init(staticConfig: BrokerConfig) {
        self.staticConfig = staticConfig
        state = Mutex(State(current: staticConfig))
    }

    /// The configuration in force.
    var current: BrokerConfig { state.withLock { $0.current } }
    /// `/config/brokers/<default>` as applied.
    var clusterDefaultConfigs: [String: String] { state.withLock { $0.clusterDefault } }
    /// `/config/brokers/<id>` as applied.
    var perBrokerConfigs: [String: String] { state.withLock { $0.perBroker } }

    /// Kafka's `DynamicBrokerConfig.validate`: the keys and values of a new dynamic set for this broker (`perBroker`)
    /// or for the cluster-wide defaults, then the whole configuration it would give (the cross-key checks of
    /// `server.properties`).
    func validate(_ props: [String: String], perBroker: Bool) throws(ConfigAlterError) {
        try DynamicBrokerConfigKeys.validate(props)
        let (clusterDefault, brokerOwn) = state.withLock { ($0.clusterDefault, $0.perBroker) }
        _ = try Self.configuration(
            static: staticConfig.originals, clusterDefault: perBroker ? clusterDefault : props,
            perBroker: perBroker ? props : brokerOwn)
    }

    /// Takes a dynamic set read from ZooKeeper (at startup or after a change notification). Entries that cannot
    /// be applied are logged and left out, as in Kafka; a set that breaks the whole configuration is not applied.
    /// Returns the new configuration, nil when nothing changed.
    func update(perBroker: Bool, persisted: [String: String], logger: Logger) -> BrokerConfig? {
        let (usable, ignored) = DynamicBrokerConfigKeys.usable(persisted)
        let level = perBroker ? "broker" : "default cluster"
        if !ignored.isEmpty {
            logger.error("Dynamic \(level) config contains configs that cannot be applied: \(scalaSet(ignored)), these configs will be ignored")
        }
        return state.withLock { state -> BrokerConfig? in
            let clusterDefault = perBroker ? state.clusterDefault : usable
            let brokerOwn = perBroker ? usable : state.perBroker
            guard clusterDefault != state.clusterDefault || brokerOwn != state.perBroker else { return nil }
            let config: BrokerConfig
            do {
                config = try Self.configuration(
                    static: staticConfig.originals, clusterDefault: clusterDefault, perBroker: brokerOwn)
            } catch {
                logger.error("Dynamic \(level) configs could not be applied: \(error)")
                return nil
            }
            var withId = config
            withId.brokerId = state.current.brokerId
            state.clusterDefault = clusterDefault
            state.perBroker = brokerOwn
            state.current = withId
            return withId
        }
    }

    /// Sets the broker id that `current` carries (resolved after the configuration is read).
    func setBrokerId(_ id: Int32) {
        state.withLock { $0.current.brokerId = id }
    }

    private static func configuration(
        static staticProps: [String: String], clusterDefault: [String: String], perBroker: [String: String]
    ) throws(ConfigAlterError) -> BrokerConfig {
        let props = DynamicBrokerConfigKeys.merged(static: staticProps, clusterDefault: clusterDefault, perBroker: perBroker)
        do {
            return try BrokerConfig(properties: props)
        } catch {
            if case .invalidValue(let key, let value, let reason) = error {
                throw .config(KafkaConfigException(name: key, value: value, reason: reason))
            }
            throw .configException(error.description)
        }
    }
}
