extension ConfigDef {
    /// The class Kafka 2.8 ships (`AclAuthorizer`), and its deprecated predecessor, which Kafka 2.8 still runs as
    /// the same ZooKeeper ACL store.
    static let aclAuthorizerClassNames = [
        "kafka.security.authorizer.AclAuthorizer", "kafka.security.auth.SimpleAclAuthorizer",
    ]

    /// Kafka's `authorizer.class.name` and the two `AclAuthorizer` settings Kafka passes through to it.
    static let authorizerKeys: [ConfigKey] = [
        ConfigKey("authorizer.class.name", .string, .value(""), .oneOf([""] + aclAuthorizerClassNames),
                  doc: "The authorizer: kafka.security.authorizer.AclAuthorizer keeps ACLs in ZooKeeper (/kafka-acl, /kafka-acl-extended) and serves CreateAcls, DescribeAcls and DeleteAcls; empty means none (those answer SECURITY_DISABLED). Gregor does not enforce the ACLs on requests yet."),
        ConfigKey("super.users", .string, .none,
                  doc: "Principals (User:name) separated by semicolons that the ACL authorizer allows everything. Not enforced on requests yet."),
        ConfigKey("allow.everyone.if.no.acl.found", .boolean, .value("false"),
                  doc: "Whether the ACL authorizer allows an operation on a resource no ACL applies to. Not enforced on requests yet."),
    ]
}
