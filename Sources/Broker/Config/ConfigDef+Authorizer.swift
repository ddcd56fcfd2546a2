extension ConfigDef {
    /// The class Kafka 2.8 ships (`AclAuthorizer`), and its deprecated predecessor, which Kafka 2.8 still runs as
    /// the same ZooKeeper ACL store.
    static let aclAuthorizerClassNames = [
        "kafka.security.authorizer.AclAuthorizer", "kafka.security.auth.SimpleAclAuthorizer",
    ]

    /// Kafka's `authorizer.class.name` and the two `AclAuthorizer` settings Kafka passes through to it.
    static let authorizerKeys: [ConfigKey] = [
        ConfigKey("authorizer.class.name", .string, .value(""), .oneOf([""] + aclAuthorizerClassNames),
                  doc: "The authorizer: kafka.security.authorizer.AclAuthorizer keeps ACLs in ZooKeeper (/kafka-acl, /kafka-acl-extended), serves CreateAcls, DescribeAcls and DeleteAcls, and checks every request against them as Kafka does (refusals are logged by kafka.authorizer.logger); empty means none: every request is allowed and the ACL APIs answer SECURITY_DISABLED. Brokers talk to each other with the principal of the inter-broker listener, which needs CLUSTER_ACTION on the cluster (or super.users)."),
        ConfigKey("super.users", .string, .none,
                  doc: "Principals (User:name) separated by semicolons that the ACL authorizer allows everything, whatever the ACLs say. On a PLAINTEXT inter-broker listener the brokers are User:ANONYMOUS."),
        ConfigKey("allow.everyone.if.no.acl.found", .boolean, .value("false"),
                  doc: "Whether the ACL authorizer allows an operation on a resource no ACL applies to (literal, prefixed or wildcard); false refuses it."),
    ]
}
