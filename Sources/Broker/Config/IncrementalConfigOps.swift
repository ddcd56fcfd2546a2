/// One change of an IncrementalAlterConfigs resource (Kafka's `AlterConfigOp`).
struct AlterConfigOp: Sendable, Equatable {
    enum OpType: Int8, Sendable {
        case set = 0
        case delete = 1
        case append = 2
        case subtract = 3

        var name: String {
            switch self {
            case .set: "SET"
            case .delete: "DELETE"
            case .append: "APPEND"
            case .subtract: "SUBTRACT"
            }
        }
    }

    var name: String
    var op: Int8
    var value: String?
}

/// Kafka 2.8's `ZkAdminManager.prepareIncrementalConfigs` as a pure function: the checks it makes before it reads
/// the entity's current configs, and the new config set it builds from them.
enum IncrementalConfigOps {
    /// Kafka's first checks, in its order: a key named twice, then a missing value for anything but DELETE.
    static func check(_ ops: [AlterConfigOp]) throws(ConfigAlterError) {
        var seen: Set<String> = []
        var duplicates: Set<String> = []
        for op in ops where !seen.insert(op.name).inserted { duplicates.insert(op.name) }
        if !duplicates.isEmpty {
            throw .invalidRequest("Error due to duplicate config keys : \(duplicates.sorted().joined(separator: ","))")
        }
        if let bad = ops.first(where: { AlterConfigOp.OpType(rawValue: $0.op) == nil }) {
            throw .invalidRequest("Unknown config operation \(bad.op) for config \(bad.name)")
        }
        let nullUpdates = ops.filter { $0.value == nil && $0.op != AlterConfigOp.OpType.delete.rawValue }
        if !nullUpdates.isEmpty {
            let names = nullUpdates.map { "\(AlterConfigOp.OpType(rawValue: $0.op)!.name):\($0.name)" }
            throw .invalidRequest("Null value not supported for : \(names.joined(separator: ","))")
        }
    }

    /// `current` with `ops` applied in order. APPEND and SUBTRACT work on list configs only (Kafka answers
    /// INVALID_REQUEST otherwise) and start from the key's current value, else its default.
    ///
    /// - Parameters:
    ///   - isList: whether a key is a list config; throws for a key it does not know.
    ///   - defaultValue: the key's value when `current` does not set it.
    static func apply(
        _ ops: [AlterConfigOp], to current: [String: String],
        isList: (String) throws(ConfigAlterError) -> Bool, defaultValue: (String) -> String?
    ) throws(ConfigAlterError) -> [String: String] {
        try check(ops)
        var configs = current
        for op in ops {
            switch AlterConfigOp.OpType(rawValue: op.op)! {
            case .set:
                configs[op.name] = op.value
            case .delete:
                configs[op.name] = nil
            case .append, .subtract:
                let append = op.op == AlterConfigOp.OpType.append.rawValue
                guard try isList(op.name) else {
                    throw .invalidRequest(
                        "Config value \(append ? "append" : "subtract") is not allowed for config key: \(op.name)")
                }
                let old = elements(configs[op.name] ?? defaultValue(op.name) ?? "")
                let given = elements(op.value ?? "")
                let new = append ? old + given : subtracting(given, from: old)
                configs[op.name] = new.joined(separator: ",")
            }
        }
        return configs
    }

    /// A list config's elements (Kafka splits at commas; empty elements are dropped here).
    private static func elements(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingJavaWhitespace() }.filter { !$0.isEmpty }
    }

    /// Scala's `List.diff`: each element of `removed` takes away one occurrence.
    private static func subtracting(_ removed: [String], from list: [String]) -> [String] {
        var remaining = list
        for element in removed {
            if let index = remaining.firstIndex(of: element) { remaining.remove(at: index) }
        }
        return remaining
    }
}
