/// A table of known configuration keys, like Kafka's `ConfigDef`: each key's type, default and rule, so parsing,
/// defaults and error messages come from one place. `ConfigDef.broker` is `server.properties`; topic-level configs
/// can get their own table with the same machinery.
public struct ConfigDef: Sendable {
    public let keys: [ConfigKey]
    private let keysByName: [String: ConfigKey]

    public init(_ keys: [ConfigKey]) {
        self.keys = keys
        var byName: [String: ConfigKey] = [:]
        for key in keys {
            precondition(byName[key.name] == nil, "configuration key '\(key.name)' is defined twice")
            byName[key.name] = key
        }
        keysByName = byName
    }

    public subscript(name: String) -> ConfigKey? { keysByName[name] }

    /// Every known key's typed value (the given one, else its default), and the names of unknown keys, sorted.
    /// Keys without a default that are not given are absent from `values` (required ones throw instead).
    public func parse(
        _ properties: [String: String]
    ) throws(ConfigError) -> (values: [String: ConfigValue], unknown: [String]) {
        var values: [String: ConfigValue] = [:]
        for key in keys {
            if let given = properties[key.name] {
                values[key.name] = try key.parse(given)
            } else {
                switch key.defaultValue {
                case .value(let text): values[key.name] = try key.parse(text)
                case .none: break
                case .required: throw .missingRequired(key: key.name)
                }
            }
        }
        let unknown = properties.keys.filter { keysByName[$0] == nil }.sorted()
        return (values, unknown)
    }
}

/// The type of a key's value, as in Kafka's `ConfigDef.Type`; it decides how the text is parsed.
public enum ConfigType: String, Sendable {
    /// `true` or `false`, any letter case.
    case boolean
    /// A 32-bit signed integer.
    case int
    /// A 64-bit signed integer.
    case long
    case double
    case string
    /// Comma-separated; blanks around commas are dropped, and an empty text is an empty list.
    case list
    /// A string that is never shown in logs or error messages.
    case password

    /// DescribeConfigs' `config_type` (v3+): Kafka's `ConfigDef.Type` ids (BOOLEAN 1, STRING 2, INT 3, LONG 5,
    /// DOUBLE 6, LIST 7, PASSWORD 9).
    public var describeConfigsId: Int8 {
        switch self {
        case .boolean: 1
        case .string: 2
        case .int: 3
        case .long: 5
        case .double: 6
        case .list: 7
        case .password: 9
        }
    }
}

/// What a key has when the configuration does not mention it.
public enum ConfigDefault: Sendable, Equatable {
    /// Parsed with the key's type, like a configured value.
    case value(String)
    /// No value; the code that reads the key decides (often by falling back to another key).
    case none
    /// Startup fails without it.
    case required
}

/// A rule a parsed value must satisfy, as Kafka's `ConfigDef.Validator`s.
public enum ConfigValidator: Sendable, Equatable {
    case atLeast(Int64)
    case between(Int64, Int64)
    /// The value must be one of these (case-sensitive, as in Kafka).
    case oneOf([String])
    /// Every element of a list must be one of these.
    case eachOneOf([String])
    /// Kafka's `ThrottledReplicaListValidator`: `*`, or `partition:broker` pairs.
    case throttledReplicaList
}

/// One known configuration key.
public struct ConfigKey: Sendable {
    public let name: String
    public let type: ConfigType
    public let defaultValue: ConfigDefault
    public let validator: ConfigValidator?
    public let doc: String

    public init(
        _ name: String,
        _ type: ConfigType,
        _ defaultValue: ConfigDefault,
        _ validator: ConfigValidator? = nil,
        doc: String
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.validator = validator
        self.doc = doc
    }
}
