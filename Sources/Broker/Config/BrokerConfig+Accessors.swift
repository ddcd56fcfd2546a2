/// Typed access to any key of `ConfigDef.broker`, so features read their settings without new plumbing.
///
/// The plain accessors are for keys that always have a value (a default, or required); the `IfSet` ones are for keys
/// whose default is none, and return nil when such a key is not configured. Asking for an unknown key, with the wrong
/// type, or with the plain accessor for a key without a default is a programming error and traps on first use
/// (whatever the configuration), so a test exercising the feature finds it.
extension BrokerConfig {
    public func bool(_ name: String) -> Bool { values.bool(name) }
    public func int(_ name: String) -> Int32 { values.int(name) }
    public func long(_ name: String) -> Int64 { values.long(name) }
    public func double(_ name: String) -> Double { values.double(name) }
    public func string(_ name: String) -> String { values.string(name) }
    public func list(_ name: String) -> [String] { values.list(name) }
    public func password(_ name: String) -> String { values.password(name) }

    public func boolIfSet(_ name: String) -> Bool? { values.optionalBool(name) }
    public func intIfSet(_ name: String) -> Int32? { values.optionalInt(name) }
    public func longIfSet(_ name: String) -> Int64? { values.optionalLong(name) }
    public func doubleIfSet(_ name: String) -> Double? { values.optionalDouble(name) }
    public func stringIfSet(_ name: String) -> String? { values.optionalString(name) }
    public func listIfSet(_ name: String) -> [String]? { values.optionalList(name) }
    public func passwordIfSet(_ name: String) -> String? { values.optionalPassword(name) }

    /// `key = value` for every known key, sorted, passwords hidden, unset keys as `null`: Kafka's startup listing
    /// of its configuration, for the caller to log.
    public var loggableValues: [String] {
        ConfigDef.broker.keys.map(\.name).sorted().map { "\($0) = \(values[$0]?.loggable ?? "null")" }
    }
}

/// The checked lookups behind the accessors; also used while `BrokerConfig` is being built.
extension Dictionary where Key == String, Value == ConfigValue {
    func bool(_ name: String) -> Bool { required(name, optionalBool(name)) }
    func int(_ name: String) -> Int32 { required(name, optionalInt(name)) }
    func long(_ name: String) -> Int64 { required(name, optionalLong(name)) }
    func double(_ name: String) -> Double { required(name, optionalDouble(name)) }
    func string(_ name: String) -> String { required(name, optionalString(name)) }
    func list(_ name: String) -> [String] { required(name, optionalList(name)) }
    func password(_ name: String) -> String { required(name, optionalPassword(name)) }

    func optionalBool(_ name: String) -> Bool? {
        guard case .boolean(let value) = lookup(name, .boolean) else { return nil }
        return value
    }

    func optionalInt(_ name: String) -> Int32? {
        guard case .int(let value) = lookup(name, .int) else { return nil }
        return value
    }

    func optionalLong(_ name: String) -> Int64? {
        guard case .long(let value) = lookup(name, .long) else { return nil }
        return value
    }

    func optionalDouble(_ name: String) -> Double? {
        guard case .double(let value) = lookup(name, .double) else { return nil }
        return value
    }

    func optionalString(_ name: String) -> String? {
        guard case .string(let value) = lookup(name, .string) else { return nil }
        return value
    }

    func optionalList(_ name: String) -> [String]? {
        guard case .list(let value) = lookup(name, .list) else { return nil }
        return value
    }

    func optionalPassword(_ name: String) -> String? {
        guard case .password(let value) = lookup(name, .password) else { return nil }
        return value
    }

    private func lookup(_ name: String, _ type: ConfigType) -> ConfigValue? {
        guard let key = ConfigDef.broker[name] else { preconditionFailure("'\(name)' is not in ConfigDef.broker") }
        precondition(key.type == type, "'\(name)' is a \(key.type) key, read as \(type)")
        return self[name]
    }

    private func required<T>(_ name: String, _ value: T?) -> T {
        precondition(ConfigDef.broker[name]?.defaultValue != ConfigDefault.none,
                     "'\(name)' has no default; read it with the IfSet accessor")
        guard let value else { preconditionFailure("'\(name)' has no value although it has a default") }
        return value
    }
}
