import Coordination

extension KafkaServer {
    /// The ACL authorizer `authorizer.class.name` asks for, started (ACL paths created, cache loaded: Kafka's
    /// `AclAuthorizer.configure`), or nil when it is empty.
    func startAclAuthorizer(session: CurrentZkSession) async throws -> ZkAclAuthorizer? {
        guard !config.string("authorizer.class.name").isEmpty else { return nil }
        let decision = AclAuthorizer(
            superUsers: AclAuthorizer.parseSuperUsers(config.stringIfSet("super.users") ?? ""),
            allowEveryoneIfNoAclFound: config.bool("allow.everyone.if.no.acl.found"))
        let authorizer = ZkAclAuthorizer(decision: decision, session: { session.zk }, logger: logger)
        try await authorizer.start()
        logger.info("ACL authorizer started with \(authorizer.snapshot.resources.count) resource pattern(s) holding ACLs; every request is checked against them")
        return authorizer
    }
}
