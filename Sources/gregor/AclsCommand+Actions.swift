import Coordination
import Foundation
import KafkaClient
import KafkaProtocol

extension AclsCommand {
    func addAcls(_ client: KafkaClusterClient) async throws {
        for (filter, entries) in resourceEntries {
            let pattern = ResourcePattern(filter.resourceType, filter.name ?? "", filter.patternType)
            print("Adding ACLs for resource `\(AclText.pattern(filter))`: \n \(entries.map { "\t" + AclText.entry($0) }.joined(separator: "\n")) \n")
            let request = CreateAclsRequest(creations: entries.map { entry in
                CreateAclsRequest.AclCreation(
                    resourceType: pattern.resourceType.rawValue, resourceName: pattern.name,
                    resourcePatternType: pattern.patternType.rawValue, principal: entry.principal, host: entry.host,
                    operation: entry.operation.rawValue, permissionType: entry.permissionType.rawValue)
            })
            for result in try await client.createAcls(request).results where result.errorCode != 0 {
                throw CommandFailure("Error while executing ACL command: \(ErrorCode(rawValue: result.errorCode)): \(result.errorMessage ?? "")")
            }
        }
        try await listAcls(client)
    }

    func removeAcls(_ client: KafkaClusterClient) async throws {
        for (resource, entries) in resourceEntries {
            let question = entries.isEmpty
                ? "Are you sure you want to delete all ACLs for resource filter `\(AclText.pattern(resource))`? (y/n)"
                : "Are you sure you want to remove ACLs: \n \(entries.map { "\t" + AclText.entry($0) }.joined(separator: "\n")) \n from resource filter `\(AclText.pattern(resource))`? (y/n)"
            guard confirmed(question) else { continue }
            let filters = entries.isEmpty ? [resource] : entries.map { entry in
                var filter = resource
                (filter.principal, filter.host) = (entry.principal, entry.host)
                (filter.operation, filter.permissionType) = (entry.operation, entry.permissionType)
                return filter
            }
            let response = try await client.deleteAcls(DeleteAclsRequest(filters: filters.map(AclText.deleteFilter)))
            for result in response.filterResults where result.errorCode != 0 {
                throw CommandFailure("Error while executing ACL command: \(ErrorCode(rawValue: result.errorCode)): \(result.errorMessage ?? "")")
            }
        }
        try await listAcls(client)
    }

    func listAcls(_ client: KafkaClusterClient) async throws {
        var byPattern: [ResourcePattern: [AccessControlEntry]] = [:]
        for filter in resources.isEmpty ? [AclBindingFilter.any] : resources {
            let response = try await client.describeAcls(AclText.describeRequest(filter))
            for resource in response.resources {
                let pattern = ResourcePattern(
                    ResourceType(code: resource.resourceType), resource.resourceName, PatternType(code: resource.patternType))
                for acl in resource.acls {
                    let entry = AccessControlEntry(
                        principal: acl.principal, host: acl.host, operation: AclOperation(code: acl.operation),
                        permissionType: AclPermissionType(code: acl.permissionType))
                    if !byPattern[pattern, default: []].contains(entry) { byPattern[pattern, default: []].append(entry) }
                }
            }
        }
        if principal.isEmpty {
            printResourceAcls(byPattern)
        } else {
            for principal in principal {
                print("ACLs for principal `\(principal)`")
                printResourceAcls(byPattern.mapValues { $0.filter { $0.principal == principal } }.filter { !$0.value.isEmpty })
            }
        }
    }

    private func printResourceAcls(_ byPattern: [ResourcePattern: [AccessControlEntry]]) {
        for pattern in byPattern.keys.sorted() {
            let acls = byPattern[pattern, default: []].map { "\t" + AclText.entry($0) }
            let filter = AclBindingFilter(resourceType: pattern.resourceType, name: pattern.name, patternType: pattern.patternType)
            print("Current ACLs for resource `\(AclText.pattern(filter))`: \n \(acls.joined(separator: "\n")) \n")
        }
    }

    private func confirmed(_ question: String) -> Bool {
        if force { return true }
        print(question)
        return readLine()?.lowercased() == "y"
    }
}

/// Kafka's `toString`s that kafka-acls.sh prints, and the request structs of filters.
enum AclText {
    /// `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)` (also `ResourcePatternFilter`'s).
    static func pattern(_ filter: AclBindingFilter) -> String {
        "ResourcePattern(resourceType=\(filter.resourceType.enumName), name=\(filter.name ?? "<any>"), patternType=\(filter.patternType.enumName))"
    }

    /// `(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)`.
    static func entry(_ entry: AccessControlEntry) -> String {
        "(principal=\(entry.principal), host=\(entry.host), operation=\(entry.operation.enumName), permissionType=\(entry.permissionType.enumName))"
    }

    static func describeRequest(_ filter: AclBindingFilter) -> DescribeAclsRequest {
        DescribeAclsRequest(
            resourceTypeFilter: filter.resourceType.rawValue, resourceNameFilter: filter.name,
            patternTypeFilter: filter.patternType.rawValue, principalFilter: filter.principal, hostFilter: filter.host,
            operation: filter.operation.rawValue, permissionType: filter.permissionType.rawValue)
    }

    static func deleteFilter(_ filter: AclBindingFilter) -> DeleteAclsRequest.DeleteAclsFilter {
        DeleteAclsRequest.DeleteAclsFilter(
            resourceTypeFilter: filter.resourceType.rawValue, resourceNameFilter: filter.name,
            patternTypeFilter: filter.patternType.rawValue, principalFilter: filter.principal, hostFilter: filter.host,
            operation: filter.operation.rawValue, permissionType: filter.permissionType.rawValue)
    }
}
