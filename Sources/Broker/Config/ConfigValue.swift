/// A parsed configuration value, typed by its key's `ConfigType`.
public enum ConfigValue: Sendable, Equatable {
    case boolean(Bool)
    case int(Int32)
    case long(Int64)
    case double(Double)
    case string(String)
    case list([String])
    case password(String)

    /// The value as an operator would write it; passwords are hidden so the result is safe to log.
    public var loggable: String {
        switch self {
        case .boolean(let value): String(value)
        case .int(let value): String(value)
        case .long(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        case .list(let value): value.joined(separator: ",")
        case .password: "[hidden]"
        }
    }
}

extension ConfigKey {
    /// Parses `text` with this key's type and checks its rule. Surrounding whitespace is ignored for every type,
    /// as Kafka trims every value before parsing it.
    public func parse(_ text: String) throws(ConfigError) -> ConfigValue {
        let trimmed = text.trimmingJavaWhitespace()
        let value: ConfigValue
        switch type {
        case .boolean:
            switch trimmed.lowercased() {
            case "true": value = .boolean(true)
            case "false": value = .boolean(false)
            default: throw invalid(text, "expected true or false")
            }
        case .int:
            guard let number = Int32(trimmed) else {
                throw invalid(text, Int64(trimmed) == nil ? "not a number" : "out of range for a 32-bit integer")
            }
            value = .int(number)
        case .long:
            guard let number = Int64(trimmed) else { throw invalid(text, "not a number") }
            value = .long(number)
        case .double:
            guard let number = Double(trimmed), number.isFinite else { throw invalid(text, "not a number") }
            value = .double(number)
        case .string:
            value = .string(trimmed)
        case .password:
            value = .password(trimmed)
        case .list:
            value = .list(trimmed.isEmpty ? [] : trimmed.split(separator: ",", omittingEmptySubsequences: false)
                .map { String($0).trimmingJavaWhitespace() })
        }
        try check(value, text)
        return value
    }

    private func check(_ value: ConfigValue, _ text: String) throws(ConfigError) {
        guard let validator else { return }
        let number: Int64? =
            switch value {
            case .int(let int): Int64(int)
            case .long(let long): long
            default: nil
            }
        switch validator {
        case .atLeast(let minimum):
            if let number, number < minimum { throw invalid(text, "must be at least \(minimum)") }
        case .between(let minimum, let maximum):
            if let number, number < minimum || number > maximum {
                throw invalid(text, "must be between \(minimum) and \(maximum)")
            }
        case .oneOf(let allowed):
            if case .string(let string) = value, !allowed.contains(string) {
                throw invalid(text, "must be one of \(allowed.joined(separator: ", "))")
            }
        case .eachOneOf(let allowed):
            if case .list(let list) = value, let bad = list.first(where: { !allowed.contains($0) }) {
                throw invalid(text, "'\(bad)' is not one of \(allowed.joined(separator: ", "))")
            }
        case .throttledReplicaList:
            if case .list(let list) = value, !ThrottledReplicaList.isValid(list) {
                throw invalid(text, "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...")
            }
        }
    }

    /// An invalid-value error for this key; a password's text never appears in it.
    func invalid(_ text: String, _ reason: String) -> ConfigError {
        .invalidValue(key: name, value: type == .password ? "[hidden]" : text, reason: reason)
    }
}

extension String {
    /// Java's `String.trim()`: strips every character at or below U+0020 from both ends.
    func trimmingJavaWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }),
            let last = scalars.lastIndex(where: { $0.value > 0x20 })
        else { return "" }
        return String(scalars[first...last])
    }
}

extension ConfigValue {
    /// The value as `server.properties` would spell it (passwords included: callers hide them).
    var text: String {
        switch self {
        case .password(let value): value
        default: loggable
        }
    }

    var isPassword: Bool {
        if case .password = self { return true }
        return false
    }
}

extension ConfigValue {
    /// An int or long value.
    var number: Int64? {
        switch self {
        case .int(let value): Int64(value)
        case .long(let value): value
        default: nil
        }
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var list: [String]? { if case .list(let value) = self { value } else { nil } }
    var boolean: Bool? { if case .boolean(let value) = self { value } else { nil } }
}
