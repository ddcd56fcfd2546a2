/// Kafka's `ConfigException` for one value: `Invalid value <value> for configuration <name>: <reason>`, worded as
/// Kafka's `ConfigDef.parseType` and validators word it, because AlterConfigs answers carry it to the operator.
/// (Startup errors keep `ConfigError`'s own wording.)
struct KafkaConfigException: Error, Equatable, CustomStringConvertible {
    let message: String

    init(_ message: String) { self.message = message }

    init(name: String, value: String, reason: String) {
        message = "Invalid value \(value) for configuration \(name): \(reason)"
    }

    var description: String { message }
}

extension ConfigKey {
    /// `parse`, failing with Kafka's message for the first rule the text breaks.
    func parseLikeKafka(_ text: String) throws(KafkaConfigException) -> ConfigValue {
        do {
            return try parse(text)
        } catch {
            throw kafkaException(text)
        }
    }

    /// Kafka's wording of why `text` does not parse or validate (for text `parse` refuses).
    private func kafkaException(_ text: String) -> KafkaConfigException {
        let trimmed = text.trimmingJavaWhitespace()
        func fail(_ value: String, _ reason: String) -> KafkaConfigException {
            KafkaConfigException(name: name, value: type == .password ? "[hidden]" : value, reason: reason)
        }
        var number: Int64?
        switch type {
        case .boolean:
            return fail(text, "Expected value to be either true or false")
        case .int:
            guard let parsed = Int32(trimmed) else { return fail(text, "Not a number of type INT") }
            number = Int64(parsed)
        case .long:
            guard let parsed = Int64(trimmed) else { return fail(text, "Not a number of type LONG") }
            number = parsed
        case .double:
            guard Double(trimmed) != nil else { return fail(text, "Not a number of type DOUBLE") }
        case .string, .password, .list:
            break
        }
        switch validator {
        case .atLeast(let minimum):
            if let number, number < minimum { return fail(String(number), "Value must be at least \(minimum)") }
        case .between(let minimum, let maximum):
            if let number, number < minimum { return fail(String(number), "Value must be at least \(minimum)") }
            if let number, number > maximum { return fail(String(number), "Value must be no more than \(maximum)") }
        case .oneOf(let allowed):
            return fail(trimmed, "String must be one of: \(allowed.joined(separator: ", "))")
        case .eachOneOf(let allowed):
            let elements = trimmed.isEmpty ? [] : trimmed.split(separator: ",", omittingEmptySubsequences: false)
                .map { String($0).trimmingJavaWhitespace() }
            let bad = elements.first { !allowed.contains($0) } ?? trimmed
            return fail(bad, "String must be one of: \(allowed.joined(separator: ", "))")
        case .throttledReplicaList:
            let elements = trimmed.isEmpty ? [] : trimmed.split(separator: ",", omittingEmptySubsequences: false)
                .map { String($0).trimmingJavaWhitespace() }
            return ThrottledReplicaList.exception(name: name, elements: elements)
        case nil:
            break
        }
        return fail(text, "Invalid value")
    }
}
