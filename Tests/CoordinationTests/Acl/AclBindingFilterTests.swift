import Coordination
import Testing

/// `ResourcePatternFilter` and `AccessControlEntryFilter` semantics, as DescribeAcls and DeleteAcls use them.
@Suite("ACL binding filters")
struct AclBindingFilterTests {
    private let literal = ResourcePattern(.topic, "orders")
    private let wildcard = ResourcePattern(.topic, "*")
    private let prefixed = ResourcePattern(.topic, "ord", .prefixed)
    private let group = ResourcePattern(.group, "orders")

    @Test func anyMatchesEverything() {
        for pattern in [literal, wildcard, prefixed, group] { #expect(AclBindingFilter.any.matches(pattern)) }
    }
    @Test func literalMatchesOnlyTheSameLiteral() {
        let filter = AclBindingFilter(resourceType: .topic, name: "orders", patternType: .literal)
        #expect(filter.matches(literal) && !filter.matches(wildcard) && !filter.matches(prefixed) && !filter.matches(group))
    }
    @Test func anyPatternTypeMatchesTheExactNameOfEitherType() {
        let filter = AclBindingFilter(resourceType: .topic, name: "ord", patternType: .any)
        #expect(filter.matches(prefixed) && !filter.matches(literal))
    }
    @Test func matchFindsLiteralWildcardAndPrefixes() {
        let filter = AclBindingFilter(resourceType: .topic, name: "orders", patternType: .match)
        #expect(filter.matches(literal) && filter.matches(wildcard) && filter.matches(prefixed) && !filter.matches(group))
        #expect(!AclBindingFilter(resourceType: .topic, name: "o", patternType: .match).matches(prefixed))
    }
    @Test func entryFilterFields() {
        let entry = AccessControlEntry(principal: "User:a", host: "*", operation: .write, permissionType: .allow)
        #expect(AclBindingFilter(principal: "User:a", host: "*", operation: .write, permissionType: .allow).matches(entry))
        #expect(!AclBindingFilter(principal: "User:b").matches(entry))
        #expect(!AclBindingFilter(operation: .read).matches(entry))
        #expect(!AclBindingFilter(permissionType: .deny).matches(entry))
        #expect(!AclBindingFilter(host: "10.0.0.1").matches(entry))
    }
    @Test func directResourcesOfFiltersThatNameOne() {
        #expect(AclBindingFilter(resourceType: .topic, name: "t", patternType: .any).directResources
            == [ResourcePattern(.topic, "t"), ResourcePattern(.topic, "t", .prefixed)])
        #expect(AclBindingFilter(resourceType: .topic, name: "t", patternType: .match).directResources.isEmpty)
        #expect(AclBindingFilter(resourceType: .any, name: "t", patternType: .literal).directResources.isEmpty)
    }
    @Test func unknownCodesAreFlagged() {
        #expect(AclBindingFilter(operation: AclOperation(code: 42)).hasUnknownElements)
        #expect(!AclBindingFilter.any.hasUnknownElements)
    }
    @Test func bindingValidationUsesKafkasMessages() {
        let entry = AccessControlEntry(principal: "User:a", host: "*", operation: .write, permissionType: .allow)
        #expect(AclBinding(ResourcePattern(.cluster, "c"), entry).invalidReason == "The only valid name for the CLUSTER resource is kafka-cluster")
        #expect(AclBinding(ResourcePattern(.topic, ""), entry).invalidReason == "Invalid empty resource name")
        #expect(AclBinding(ResourcePattern(.topic, "t", .match), entry).invalidReason != nil)
        var noType = entry
        noType.principal = "alice"
        #expect(AclBinding(ResourcePattern(.topic, "t"), noType).invalidReason != nil)
        #expect(AclBinding(ResourcePattern(.cluster, "kafka-cluster"), entry).invalidReason == nil)
    }
}
