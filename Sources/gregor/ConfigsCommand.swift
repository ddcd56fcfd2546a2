import ArgumentParser
import Foundation
import KafkaClient

/// `gregor configs`: describe and alter the dynamic configs of topics, brokers and the cluster-wide broker defaults,
/// and users' SCRAM credentials, like `kafka-configs.sh --bootstrap-server` (same options, same output), through
/// DescribeConfigs and IncrementalAlterConfigs, DescribeUserScramCredentials and AlterUserScramCredentials.
struct ConfigsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configs",
        abstract: "Describe or alter topic, broker and user configs (like kafka-configs.sh).",
        discussion: """
            Exactly one of --describe, --alter. Examples:
              gregor configs --entity-type topics --entity-name orders --describe
              gregor configs --entity-type topics --entity-name orders --alter --add-config retention.ms=60000,cleanup.policy=[delete]
              gregor configs --entity-type topics --entity-name orders --alter --delete-config retention.ms
              gregor configs --entity-type brokers --entity-name 0 --alter --add-config log.retention.ms=3600000
              gregor configs --entity-type brokers --entity-default --alter --add-config max.connections.per.ip=100
              gregor configs --entity-type brokers --entity-name 0 --describe --all
              gregor configs --entity-type users --entity-name alice --alter --add-config 'SCRAM-SHA-256=[password=secret],SCRAM-SHA-512=[iterations=8192,password=secret]'
              gregor configs --entity-type users --entity-name alice --alter --delete-config SCRAM-SHA-512
              gregor configs --entity-type users --describe
            """)

    @OptionGroup var bootstrap: BootstrapOptions

    @Flag(help: "List configs for the given entity.") var describe = false
    @Flag(help: "Alter the configuration for the entity.") var alter = false
    @Flag(help: "With --describe: list all configs of the entity, not only the dynamic ones.") var all = false

    @Option(name: .customLong("entity-type"), help: "Type of entity (topics/brokers/users).") var entityType: String?
    @Option(name: .customLong("entity-name"), help: "Name of entity (topic name/broker id/user principal name).") var entityName: String?
    @Flag(name: .customLong("entity-default"), help: "The cluster-wide default entity (brokers).") var entityDefault = false
    @Option(help: "The topic's name (instead of --entity-type topics --entity-name).") var topic: String?
    @Option(help: "The broker's id (instead of --entity-type brokers --entity-name).") var broker: String?
    @Option(help: "The user's principal name (instead of --entity-type users --entity-name).") var user: String?
    @Flag(name: .customLong("broker-defaults"), help: "The config defaults for all brokers.") var brokerDefaults = false

    @Option(
        name: .customLong("add-config"),
        help: "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'.")
    var addConfig: String?
    @Option(name: .customLong("delete-config"), help: "config keys to remove 'k1,k2'") var deleteConfig: [String] = []

    /// The entity type and its name ("" for the cluster-wide default, nil for every entity of the type).
    var entity: (type: String, name: String?) {
        if let topic { return ("topics", topic) }
        if let broker { return ("brokers", broker) }
        if let user { return ("users", user) }
        if brokerDefaults { return ("brokers", "") }
        return (entityType ?? "", entityDefault ? "" : entityName)
    }

    func validate() throws {
        guard [describe, alter].filter({ $0 }).count == 1 else {
            throw ValidationError("Command must include exactly one action: --describe, --alter")
        }
        if describe, addConfig != nil || !deleteConfig.isEmpty {
            throw ValidationError("Option \"[describe]\" can't be used with option \"[add-config, delete-config]\"")
        }
        let shortcut = topic != nil || broker != nil || user != nil || brokerDefaults
        if shortcut, entityType != nil || entityName != nil || entityDefault {
            throw ValidationError("--entity-{type,name,default} should not be used in conjunction with specific entity flags")
        }
        let (type, name) = entity
        if type.isEmpty { throw ValidationError("At least one entity type must be specified") }
        guard ["topics", "brokers", "users"].contains(type) else {
            throw ValidationError(
                "Invalid entity type \(type), the entity type must be one of topics,brokers,users with the --bootstrap-server argument")
        }
        if type == "brokers", let name, !name.isEmpty, Int32(name) == nil {
            throw ValidationError("The entity name for brokers must be a valid integer broker id, but it is: \(name)")
        }
        if alter {
            if type == "topics", name?.isEmpty ?? true {
                throw ValidationError("an entity name must be specified with --alter of topics")
            }
            if name == nil {
                throw ValidationError("an entity-name or default entity must be specified with --alter of users, clients, brokers or ips")
            }
            if addConfig == nil, deleteConfig.isEmpty {
                throw ValidationError("At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter")
            }
            _ = try ConfigsInput.configsToAdd(addConfig)
        }
    }

    func run() async throws {
        try await reportingFailures {
            do {
                try await withClient(bootstrap) { client in
                    if entity.type == "users" {
                        if describe { try await describeUsers(client) }
                        if alter { try await alterUser(client) }
                        return
                    }
                    if describe { try await describeEntities(client) }
                    if alter { try await alterEntity(client) }
                }
            } catch let error as KafkaClientError {
                throw CommandFailure(
                    "Error while executing config command with args '\(CommandLine.arguments.dropFirst().joined(separator: " "))'\n\(error)")
            }
        }
    }

    private func resource(_ type: String, _ name: String) -> ConfigResource {
        ConfigResource(type: type == "topics" ? .topic : .broker, name: name)
    }

    private func describeEntities(_ client: KafkaClusterClient) async throws {
        let (type, name) = entity
        var names: [String]
        if let name {
            names = [name]
        } else if type == "topics" {
            names = try await client.metadata(topics: nil).topics.map(\.name).sorted()
        } else {
            names = try await client.metadata(topics: []).brokers.map { String($0.id) }.sorted { Int($0)! < Int($1)! } + [""]
        }
        for name in names {
            let entries = try await resourceConfigs(client, resource(type, name), includeSynonyms: true, all: all)
            print(ConfigsOutput.header(type: type, name: name, all: all))
            for entry in entries { print(ConfigsOutput.line(entry)) }
        }
    }

    /// The entity's configs: only those set at the entity's own dynamic level unless `all`.
    private func resourceConfigs(
        _ client: KafkaClusterClient, _ resource: ConfigResource, includeSynonyms: Bool, all: Bool
    ) async throws -> [ConfigEntry] {
        guard let result = try await client.describeConfigs([resource], includeSynonyms: includeSynonyms).first else { return [] }
        if let error = result.error { throw error }
        let own: ConfigSource =
            resource.type == .topic ? .topicConfig : resource.name.isEmpty ? .dynamicDefaultBrokerConfig : .dynamicBrokerConfig
        return result.entries.filter { all || $0.source == own }
    }

    private func alterEntity(_ client: KafkaClusterClient) async throws {
        let (type, name) = entity
        let resource = resource(type, name ?? "")
        let toAdd = try ConfigsInput.configsToAdd(addConfig)
        let toDelete = ConfigsInput.configsToDelete(deleteConfig)
        // As kafka-configs.sh: a config to delete must be set at the entity's level.
        let current = Set(try await resourceConfigs(client, resource, includeSynonyms: false, all: false).map(\.name))
        let invalid = toDelete.filter { !current.contains($0) }
        if !invalid.isEmpty { throw CommandFailure("Invalid config(s): \(invalid.joined(separator: ","))") }
        let alterations = toAdd.map { ConfigAlteration.set($0.key, $0.value) } + toDelete.map { ConfigAlteration.delete($0) }
        let result = try await client.incrementalAlterConfigs(resource, alterations)
        if let error = result.error { throw error }
        let typeName = String(type.dropLast())
        print(resource.name.isEmpty
            ? "Completed updating default config for \(type) in the cluster."
            : "Completed updating config for \(typeName) \(resource.name).")
    }
}
