import Coordination
import Testing

/// Kafka's `AclAuthorizer` rules, one line each: who, from where, what, on which topic, given which ACLs.
@Suite("ACL authorizer decisions")
struct AclAuthorizerTests {
    private let alice = "User:alice"
    private let bob = "User:bob"

    private func acl(
        _ principal: String, _ operation: AclOperation, _ permission: AclPermissionType = .allow, host: String = "*",
        on pattern: ResourcePattern = ResourcePattern(.topic, "orders")
    ) -> AclBinding {
        AclBinding(pattern, AccessControlEntry(principal: principal, host: host, operation: operation, permissionType: permission))
    }

    private func allowed(
        _ principal: String, _ operation: AclOperation, topic: String = "orders", host: String = "10.0.0.1",
        _ acls: [AclBinding], _ authorizer: AclAuthorizer = AclAuthorizer()
    ) -> Bool {
        authorizer.authorize(
            principal: principal, host: host, operation: operation, resourceType: .topic, name: topic, acls: AclCache(acls))
    }

    @Test func matchingAllowAllows() { #expect(allowed(alice, .write, [acl(alice, .write)])) }
    @Test func otherPrincipalIsRefused() { #expect(!allowed(bob, .write, [acl(alice, .write)])) }
    @Test func otherOperationIsRefused() { #expect(!allowed(alice, .read, [acl(alice, .write)])) }
    @Test func wildcardPrincipalMatchesEveryone() { #expect(allowed(bob, .write, [acl("User:*", .write)])) }
    @Test func allOperationMatchesEveryOperation() { #expect(allowed(alice, .delete, [acl(alice, .all)])) }
    @Test func hostMustMatch() { #expect(!allowed(alice, .write, host: "10.0.0.2", [acl(alice, .write, host: "10.0.0.1")])) }
    @Test func exactHostMatches() { #expect(allowed(alice, .write, host: "10.0.0.1", [acl(alice, .write, host: "10.0.0.1")])) }
    @Test func denyBeatsAllow() { #expect(!allowed(alice, .write, [acl(alice, .write), acl(alice, .write, .deny)])) }
    @Test func wildcardDenyBeatsAllow() { #expect(!allowed(alice, .write, [acl(alice, .write), acl("User:*", .all, .deny)])) }
    @Test func readImpliesDescribe() { #expect(allowed(alice, .describe, [acl(alice, .read)])) }
    @Test func writeImpliesDescribe() { #expect(allowed(alice, .describe, [acl(alice, .write)])) }
    @Test func deleteImpliesDescribe() { #expect(allowed(alice, .describe, [acl(alice, .delete)])) }
    @Test func alterImpliesDescribe() { #expect(allowed(alice, .describe, [acl(alice, .alter)])) }
    @Test func createDoesNotImplyDescribe() { #expect(!allowed(alice, .describe, [acl(alice, .create)])) }
    @Test func describeDoesNotImplyRead() { #expect(!allowed(alice, .read, [acl(alice, .describe)])) }
    @Test func alterConfigsImpliesDescribeConfigs() { #expect(allowed(alice, .describeConfigs, [acl(alice, .alterConfigs)])) }
    @Test func denyReadRefusesImpliedDescribeOnlyWhenDescribeDenied() {
        #expect(allowed(alice, .describe, [acl(alice, .write), acl(alice, .read, .deny)]))
    }
    @Test func wildcardResourceApplies() { #expect(allowed(alice, .write, [acl(alice, .write, on: ResourcePattern(.topic, "*"))])) }
    @Test func prefixedResourceApplies() {
        #expect(allowed(alice, .write, topic: "orders-eu", [acl(alice, .write, on: ResourcePattern(.topic, "orders", .prefixed))]))
    }
    @Test func prefixedOfOtherNameDoesNotApply() {
        #expect(!allowed(alice, .write, topic: "ord", [acl(alice, .write, on: ResourcePattern(.topic, "orders", .prefixed))]))
    }
    @Test func prefixedDenyBeatsLiteralAllow() {
        #expect(!allowed(alice, .write, [acl(alice, .write), acl(alice, .write, .deny, on: ResourcePattern(.topic, "ord", .prefixed))]))
    }
    @Test func otherResourceTypeDoesNotApply() {
        #expect(!allowed(alice, .read, [acl(alice, .read, on: ResourcePattern(.group, "orders"))]))
    }
    @Test func noAclIsRefusedByDefault() { #expect(!allowed(alice, .write, [])) }
    @Test func noAclIsAllowedWithAllowEveryone() {
        #expect(allowed(alice, .write, [], AclAuthorizer(allowEveryoneIfNoAclFound: true)))
    }
    @Test func allowEveryoneOnlyWhenNoAclAppliesAtAll() {
        #expect(!allowed(bob, .write, [acl(alice, .write)], AclAuthorizer(allowEveryoneIfNoAclFound: true)))
    }
    @Test func aclsOfOtherResourcesDoNotCount() {
        #expect(allowed(bob, .write, [acl(alice, .write, on: ResourcePattern(.topic, "other"))], AclAuthorizer(allowEveryoneIfNoAclFound: true)))
    }
    @Test func superUserIsAllowedDespiteDeny() {
        #expect(allowed(alice, .write, [acl(alice, .write, .deny)], AclAuthorizer(superUsers: [alice])))
    }
    @Test func superUsersAreSemicolonSeparatedAndTrimmed() {
        #expect(AclAuthorizer.parseSuperUsers(" User:admin ; User:ops;;") == ["User:admin", "User:ops"])
        #expect(AclAuthorizer.parseSuperUsers("").isEmpty)
    }
}

/// `authorizeByResourceType` (KIP-679): may the principal do the operation on at least one resource of the type?
@Suite("ACL authorizer decisions by resource type")
struct AclAuthorizeByResourceTypeTests {
    private let alice = "User:alice"

    private func acl(
        _ operation: AclOperation, _ name: String, _ patternType: PatternType = .literal, deny: Bool = false,
        principal: String = "User:alice"
    ) -> AclBinding {
        AclBinding(
            ResourcePattern(.topic, name, patternType),
            AccessControlEntry(principal: principal, host: "*", operation: operation, permissionType: deny ? .deny : .allow))
    }

    private func writesSomeTopic(_ acls: [AclBinding], _ authorizer: AclAuthorizer = AclAuthorizer()) -> Bool {
        authorizer.authorizeByResourceType(principal: alice, host: "10.0.0.1", operation: .write, resourceType: .topic, acls: AclCache(acls))
    }

    @Test func noAclRefuses() { #expect(!writesSomeTopic([])) }
    @Test func oneLiteralAllowIsEnough() { #expect(writesSomeTopic([acl(.write, "orders")])) }
    @Test func onePrefixedAllowIsEnough() { #expect(writesSomeTopic([acl(.write, "ord", .prefixed)])) }
    @Test func allCounts() { #expect(writesSomeTopic([acl(.all, "orders")])) }
    @Test func impliedOperationsDoNotCount() { #expect(!writesSomeTopic([acl(.describe, "orders")])) }
    @Test func literalDenyOfTheSameNameCancelsIt() { #expect(!writesSomeTopic([acl(.write, "orders"), acl(.write, "orders", deny: true)])) }
    @Test func denyOfAnotherNameDoesNot() { #expect(writesSomeTopic([acl(.write, "orders"), acl(.write, "payments", deny: true)])) }
    @Test func prefixedDenyCoversLiteralAndLongerPrefix() {
        #expect(!writesSomeTopic([acl(.write, "orders"), acl(.write, "orders-", .prefixed), acl(.write, "ord", .prefixed, deny: true)]))
    }
    @Test func wildcardDenyRefusesEverything() {
        #expect(!writesSomeTopic([acl(.write, "orders"), acl(.write, "*", deny: true)], AclAuthorizer(allowEveryoneIfNoAclFound: true)))
    }
    @Test func wildcardAllowSurvivesLiteralDenies() { #expect(writesSomeTopic([acl(.write, "*"), acl(.write, "orders", deny: true)])) }
    @Test func otherPrincipalsAclsDoNotCount() { #expect(!writesSomeTopic([acl(.write, "orders", principal: "User:bob")])) }
    @Test func allowEveryoneAllows() { #expect(writesSomeTopic([], AclAuthorizer(allowEveryoneIfNoAclFound: true))) }
    @Test func superUserIsAllowed() { #expect(writesSomeTopic([acl(.write, "*", deny: true)], AclAuthorizer(superUsers: [alice]))) }
}
