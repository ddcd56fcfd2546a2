import ArgumentParser
import Coordination

/// kafka-acls.sh's `--producer` and `--consumer` (`getProducerResourceFilterToAcls`,
/// `getConsumerResourceFilterToAcls`): the operations a role needs, on the resources the flags name.
extension AclsCommand {
    /// Each resource with the entries to add or remove on it (`getResourceFilterToAcls`): the operation flags on
    /// every resource, or the roles' operations (both roles may be asked at once; their entries are merged).
    var resourceEntries: [(filter: AclBindingFilter, entries: [AccessControlEntry])] {
        guard producer || consumer else { return resources.map { ($0, entries) } }
        var result: [(filter: AclBindingFilter, entries: [AccessControlEntry])] = []
        func grant(_ type: ResourceType, _ operations: [AclOperation]) {
            for filter in resources where filter.resourceType == type {
                let added = entries(operations)
                if let index = result.firstIndex(where: { $0.filter == filter }) {
                    result[index].entries += added.filter { !result[index].entries.contains($0) }
                } else {
                    result.append((filter, added))
                }
            }
        }
        if producer {
            grant(.topic, [.write, .describe, .create])
            grant(.transactionalId, [.write, .describe])
            if idempotent { grant(.cluster, [.idempotentWrite]) }
        }
        if consumer {
            grant(.topic, [.read, .describe])
            grant(.group, [.read])
        }
        return result
    }

    /// kafka-acls.sh's checks of the role flags, with its messages.
    func validateRoles() throws {
        if list, producer || consumer {
            throw ValidationError("Option \"[list]\" can't be used with option \"[\(producer ? "producer" : "consumer")]\"")
        }
        for (role, used) in [("producer", producer), ("consumer", consumer)] where used {
            for (flag, given) in [("operation", !operation.isEmpty), ("deny-principal", !denyPrincipal.isEmpty), ("deny-host", !denyHost.isEmpty)]
            where given {
                throw ValidationError("Option \"[\(role)]\" can't be used with option \"[\(flag)]\"")
            }
        }
        if producer, topic.isEmpty { throw ValidationError("With --producer you must specify a --topic") }
        if idempotent, !producer { throw ValidationError("The --idempotent option is only available if --producer is set") }
        if consumer, topic.isEmpty || group.isEmpty || (!producer && (cluster || !transactionalId.isEmpty)) {
            throw ValidationError("With --consumer you must specify a --topic and a --group and no --cluster or --transactional-id option should be specified.")
        }
    }
}
