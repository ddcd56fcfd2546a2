import Foundation
import ArgumentParser
import KafkaClient

/// kafka-configs.sh's output lines (Kafka 2.8 `ConfigCommand.describeResourceConfig`).
enum ConfigsOutput {
    static func header(type: String, name: String, all: Bool) -> String {
        if name.isEmpty { return "Default configs for \(type) in the cluster are:" }
        return "\(all ? "All" : "Dynamic") configs for \(type.dropLast()) \(name) are:"
    }

    /// `  name=value sensitive=false synonyms={SOURCE:name=value, ...}`; a missing value prints as `null`, as Java does.
    static func line(_ entry: ConfigEntry) -> String {
        let synonyms = entry.synonyms.map { "\(sourceName($0.source)):\($0.name)=\($0.value ?? "null")" }
        return "  \(entry.name)=\(entry.value ?? "null") sensitive=\(entry.isSensitive) synonyms={\(synonyms.joined(separator: ", "))}"
    }

    /// Java's `ConfigEntry.ConfigSource` names.
    static func sourceName(_ source: ConfigSource) -> String {
        switch source {
        case .topicConfig: "DYNAMIC_TOPIC_CONFIG"
        case .dynamicBrokerConfig: "DYNAMIC_BROKER_CONFIG"
        case .dynamicDefaultBrokerConfig: "DYNAMIC_DEFAULT_BROKER_CONFIG"
        case .staticBrokerConfig: "STATIC_BROKER_CONFIG"
        case .defaultConfig: "DEFAULT_CONFIG"
        case .dynamicBrokerLoggerConfig: "DYNAMIC_BROKER_LOGGER_CONFIG"
        case .unknown: "UNKNOWN"
        }
    }
}

/// kafka-configs.sh's parsing of `--add-config` and `--delete-config`.
enum ConfigsInput {
    /// `k1=v1,k2=[v1,v2],k3=v3`: split at commas and `=` outside square brackets; brackets are then removed from
    /// values, and keys and values trimmed (Kafka's `parseConfigsToBeAdded`). Later keys win.
    static func configsToAdd(_ text: String?) throws -> [(key: String, value: String)] {
        guard let text else { return [] }
        var result: [(key: String, value: String)] = []
        for pair in splitOutsideBrackets(text, at: ",") {
            let parts = splitOutsideBrackets(pair, at: "=")
            guard parts.count == 2 else {
                throw ValidationError("Invalid entity config: all configs to be added must be in the format \"key=val\".")
            }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].filter { $0 != "[" && $0 != "]" }.trimmingCharacters(in: .whitespaces)
            result.removeAll { $0.key == key }
            result.append((key, value))
        }
        return result
    }

    /// `--delete-config k1,k2` (repeatable), trimmed.
    static func configsToDelete(_ options: [String]) -> [String] {
        options.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private static func splitOutsideBrackets(_ text: String, at separator: Character) -> [String] {
        var parts: [String] = [""]
        var depth = 0
        for character in text {
            if character == "[" { depth += 1 }
            if character == "]" { depth = max(0, depth - 1) }
            if character == separator, depth == 0 {
                parts.append("")
            } else {
                parts[parts.count - 1].append(character)
            }
        }
        return parts
    }
}
