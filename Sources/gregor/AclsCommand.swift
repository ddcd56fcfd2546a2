import ArgumentParser
import Coordination
import KafkaClient

/// `gregor acls`: kafka-acls.sh over `--bootstrap-server` (its AdminClient mode): add, remove and list ACLs with
/// its flags and its output (`ResourcePattern(...)`, `(principal=..., host=..., operation=..., permissionType=...)`).
struct AclsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acls",
        abstract: "Add, remove and list ACLs (like kafka-acls.sh).",
        discussion: """
            The brokers need authorizer.class.name=kafka.security.authorizer.AclAuthorizer (else SECURITY_DISABLED),
            and check every request against the ACLs. --producer and --consumer add (or remove) the ACLs of a role.
            Examples:
              gregor acls --bootstrap-server 127.0.0.1:9092 --add --allow-principal User:alice --operation Write --topic orders
              gregor acls --bootstrap-server 127.0.0.1:9092 --add --allow-principal User:bob --consumer --topic orders --group billing
            """)

    @OptionGroup var bootstrap: BootstrapOptions

    @Flag(help: "Add ACLs.") var add = false
    @Flag(help: "Remove ACLs.") var remove = false
    @Flag(help: "List ACLs for the given resources (all without one).") var list = false
    @Option(help: "Topic (repeatable).") var topic: [String] = []
    @Option(help: "Consumer group (repeatable).") var group: [String] = []
    @Option(name: .customLong("transactional-id"), help: "Transactional id (repeatable).") var transactionalId: [String] = []
    @Flag(help: "The cluster resource.") var cluster = false
    @Option(name: .customLong("resource-pattern-type"), help: "literal, prefixed (add), or also any, match (list, remove).")
    var resourcePatternType = "literal"
    @Option(help: "Operation, e.g. Read, Write, Describe, All (repeatable).") var operation: [String] = []
    @Option(name: .customLong("allow-principal"), help: "principalType:name to allow (repeatable).") var allowPrincipal: [String] = []
    @Option(name: .customLong("deny-principal"), help: "principalType:name to deny (repeatable).") var denyPrincipal: [String] = []
    @Option(name: .customLong("allow-host"), help: "Host the allowed principals may come from (default *).") var allowHost: [String] = []
    @Option(name: .customLong("deny-host"), help: "Host the denied principals are denied from (default *).") var denyHost: [String] = []
    @Option(help: "With --list: only this principal's ACLs (repeatable).") var principal: [String] = []
    @Flag(help: "Do not ask before removing.") var force = false
    @Flag(help: "Add or remove the producer role's ACLs: WRITE, DESCRIBE and CREATE on the topics (WRITE, DESCRIBE on transactional ids).")
    var producer = false
    @Flag(help: "Add or remove the consumer role's ACLs: READ and DESCRIBE on the topics, READ on the groups.")
    var consumer = false
    @Flag(help: "With --producer: IDEMPOTENT_WRITE on the cluster too.") var idempotent = false

    var patternType: PatternType { PatternType(name: resourcePatternType) ?? .unknown }

    func validate() throws {
        guard [add, remove, list].filter({ $0 }).count == 1 else {
            throw ValidationError("Command must include exactly one action: --list, --add, --remove. ")
        }
        guard [.literal, .prefixed, .any, .match].contains(patternType) else {
            throw ValidationError("--resource-pattern-type: expected literal, prefixed, any or match, got \(resourcePatternType)")
        }
        if list && !(allowPrincipal + denyPrincipal + allowHost + denyHost).isEmpty {
            throw ValidationError("Option \"[list]\" can't be used with option \"[allow-host],[allow-principal],[deny-host],[deny-principal]\"")
        }
        try validateRoles()
        if !principal.isEmpty && !list { throw ValidationError("The --principal option is only available if --list is set") }
        for text in allowPrincipal + denyPrincipal + principal where AclPrincipal.parse(text) == nil {
            throw ValidationError("expected a string in format principalType:principalName but got \(text)")
        }
        for name in operation where [nil, .unknown, .any].contains(AclOperation(name: name)) {
            throw ValidationError("Unknown operation: \(name)")
        }
        if add {
            guard patternType.isSpecific else {
                throw ValidationError("A '--resource-pattern-type' value of '\(patternType.enumName)' is not valid when adding acls.")
            }
            guard !resources.isEmpty else {
                throw ValidationError("You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>")
            }
            guard !resourceEntries.contains(where: \.entries.isEmpty) else {
                throw ValidationError("You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.")
            }
        }
        for (resource, entries) in resourceEntries {
            let valid = resource.resourceType.supportedOperations + [.all]
            if entries.contains(where: { !valid.contains($0.operation) }) {
                throw ValidationError("ResourceType \(resource.resourceType.enumName) only supports operations \(valid.map(\.enumName).joined(separator: ","))")
            }
        }
        if remove && resources.isEmpty {
            throw ValidationError("You must provide at least one resource: --topic <topic> or --cluster or --group <group> or --delegation-token <Delegation Token ID>")
        }
    }

    func run() async throws {
        try await reportingFailures {
            do {
                try await withClient(bootstrap) { client in
                    if add { try await addAcls(client) }
                    if remove { try await removeAcls(client) }
                    if list { try await listAcls(client) }
                }
            } catch let error as KafkaClientError {
                throw CommandFailure("Error while executing ACL command: \(error)")
            }
        }
    }

    /// The resource filters the flags name (`getResourceFilter`); `--cluster` only with the literal pattern type.
    var resources: [AclBindingFilter] {
        var filters: [AclBindingFilter] = []
        func add(_ type: ResourceType, _ names: [String]) {
            for name in names { filters.append(AclBindingFilter(resourceType: type, name: name, patternType: patternType)) }
        }
        add(.topic, topic)
        if (cluster || idempotent) && patternType == .literal { add(.cluster, [ResourcePattern.clusterName]) }
        add(.group, group)
        add(.transactionalId, transactionalId)
        return filters
    }

    /// The entries the principal, host and operation flags make (`getAcl`): every combination.
    var entries: [AccessControlEntry] { entries(operation.compactMap { AclOperation(name: $0) }) }

    /// The entries of the principal and host flags with `operations`.
    func entries(_ operations: [AclOperation]) -> [AccessControlEntry] {
        func make(_ principals: [String], _ hosts: [String], _ permission: AclPermissionType) -> [AccessControlEntry] {
            let hosts = hosts.isEmpty ? [AccessControlEntry.wildcardHost] : hosts
            return principals.flatMap { principal in
                operations.flatMap { op in
                    hosts.map { AccessControlEntry(principal: principal, host: $0, operation: op, permissionType: permission) }
                }
            }
        }
        return make(allowPrincipal, allowHost, .allow) + make(denyPrincipal, denyHost, .deny)
    }
}
