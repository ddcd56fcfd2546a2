/// The `listener.name.<listener>.` settings of `server.properties`: per-listener values of the TLS and SASL keys,
/// and the JAAS configs (`listener.name.<listener>.<mechanism>.sasl.jaas.config`), which Kafka accepts only in that
/// prefixed form. Listener names are kept upper-cased, mechanisms too (`SCRAM-SHA-256`).
public struct ListenerConfigs: Sendable {
    /// Listener name to the typed values given for it.
    let values: [String: [String: ConfigValue]]
    /// Listener name to mechanism to the JAAS config text.
    public let jaasConfigs: [String: [String: String]]

    static let prefix = "listener.name."
    static let jaasSuffix = ".sasl.jaas.config"

    /// Parses every `listener.name.` key of `properties` (values checked by their key's rules); returns the keys
    /// that are neither, for the unknown-key warnings.
    static func parse(_ properties: [String: String]) throws(ConfigError) -> (ListenerConfigs, unknown: [String]) {
        var values: [String: [String: ConfigValue]] = [:]
        var jaas: [String: [String: String]] = [:]
        var unknown: [String] = []
        for (name, text) in properties where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: "."), dot != rest.startIndex else {
                unknown.append(name)
                continue
            }
            let listener = rest[..<dot].uppercased()
            let key = String(rest[rest.index(after: dot)...])
            if key.hasSuffix(jaasSuffix), key.count > jaasSuffix.count {
                jaas[listener, default: [:]][String(key.dropLast(jaasSuffix.count)).uppercased()] = text
            } else if ConfigDef.listenerPrefixableKeys.contains(key), let definition = ConfigDef.broker[key] {
                do {
                    values[listener, default: [:]][key] = try definition.parse(text)
                } catch {
                    throw .invalidValue(key: name, value: text, reason: "\(error)")
                }
            } else {
                unknown.append(name)
            }
        }
        return (ListenerConfigs(values: values, jaasConfigs: jaas), unknown)
    }
}

extension BrokerConfig {
    /// `key` for `listener`: its `listener.name.` value, else the plain key's (or its default).
    func value(_ key: String, listener: String) -> ConfigValue? {
        listenerConfigs.values[listener.uppercased()]?[key] ?? values[key]
    }

    public func stringIfSet(_ key: String, listener: String) -> String? {
        if case .string(let text)? = value(key, listener: listener) { return text }
        if case .password(let text)? = value(key, listener: listener) { return text }
        return nil
    }

    public func string(_ key: String, listener: String) -> String {
        stringIfSet(key, listener: listener) ?? ""
    }

    public func list(_ key: String, listener: String) -> [String] {
        if case .list(let items)? = value(key, listener: listener) { return items }
        return []
    }

    public func int(_ key: String, listener: String) -> Int32 {
        if case .int(let number)? = value(key, listener: listener) { return number }
        return int(key)
    }

    public func long(_ key: String, listener: String) -> Int64 {
        if case .long(let number)? = value(key, listener: listener) { return number }
        return long(key)
    }

    /// The JAAS config of `mechanism` (`PLAIN`, `SCRAM-SHA-256`) on `listener`, if one is given.
    public func jaasConfig(listener: String, mechanism: String) -> String? {
        listenerConfigs.jaasConfigs[listener.uppercased()]?[mechanism.uppercased()]
    }
}
