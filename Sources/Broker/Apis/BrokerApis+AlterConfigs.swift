import Coordination
import KafkaProtocol

extension BrokerApis {
    /// Kafka 2.8's `ZkAdminManager.alterConfigs` (ZooKeeper mode, answered by any broker for topics): each
    /// resource's dynamic configs are replaced by the given set; configs not named go back to their defaults.
    /// Needs ALTER_CONFIGS on the topic, or on the cluster for a broker, else the authorization error without a
    /// message (Kafka's `configsAuthorizationApiError`). Broker loggers are refused before any check, as in Kafka.
    func alterConfigs(_ request: AlterConfigsRequest, _ context: RequestContext) async -> AlterConfigsResponse {
        var responses: [AlterConfigsResponse.AlterConfigsResourceResponse] = []
        let auth = authorizer(context)
        for resource in request.resources {
            if resource.resourceType != ConfigResourceType.brokerLogger,
                let refusal = auth.configResourceRefusal(.alterConfigs, type: resource.resourceType, name: resource.resourceName)
            {
                responses.append(.init(
                    errorCode: refusal.rawValue, errorMessage: nil, resourceType: resource.resourceType,
                    resourceName: resource.resourceName))
                continue
            }
            let (code, message) = await alterConfigs(
                type: resource.resourceType, name: resource.resourceName, validateOnly: request.validateOnly
            ) { _ throws(ConfigAlterError) in
                let nulls = resource.configs.filter { $0.value == nil }.map(\.name)
                if !nulls.isEmpty { throw .invalidRequest("Null value not supported for : \(nulls.joined(separator: ","))") }
                return Dictionary(resource.configs.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
            }
            responses.append(.init(
                errorCode: code.rawValue, errorMessage: message, resourceType: resource.resourceType,
                resourceName: resource.resourceName))
        }
        return AlterConfigsResponse(responses: responses)
    }

    /// Kafka 2.8's `ZkAdminManager.incrementalAlterConfigs`: SET, DELETE, APPEND and SUBTRACT on the resource's
    /// current dynamic configs, then stored like AlterConfigs. Authorized as AlterConfigs (broker loggers as the
    /// cluster).
    func incrementalAlterConfigs(
        _ request: IncrementalAlterConfigsRequest, _ context: RequestContext
    ) async -> IncrementalAlterConfigsResponse {
        var responses: [IncrementalAlterConfigsResponse.AlterConfigsResourceResponse] = []
        let auth = authorizer(context)
        for resource in request.resources {
            if let refusal = auth.configResourceRefusal(.alterConfigs, type: resource.resourceType, name: resource.resourceName) {
                responses.append(.init(
                    errorCode: refusal.rawValue, errorMessage: nil, resourceType: resource.resourceType,
                    resourceName: resource.resourceName))
                continue
            }
            let ops = resource.configs.map { AlterConfigOp(name: $0.name, op: $0.configOperation, value: $0.value) }
            let isTopic = resource.resourceType == ConfigResourceType.topic
            let layers = BrokerConfigLayers(brokerConfig)
            let (code, message) = await alterConfigs(
                type: resource.resourceType, name: resource.resourceName, validateOnly: request.validateOnly,
                check: { () throws(ConfigAlterError) in try IncrementalConfigOps.check(ops) }
            ) { current throws(ConfigAlterError) in
                try IncrementalConfigOps.apply(
                    ops, to: current,
                    isList: { name throws(ConfigAlterError) in
                        if isTopic { return try TopicConfigKeys.isList(name) }
                        return ConfigDef.broker[name]?.type == .list
                    },
                    defaultValue: { name in
                        isTopic
                            ? layers.topicEntries(overrides: [:]).first { $0.name == name }?.value
                            : layers.current.values[name]?.text
                    })
            }
            responses.append(.init(
                errorCode: code.rawValue, errorMessage: message, resourceType: resource.resourceType,
                resourceName: resource.resourceName))
        }
        return IncrementalAlterConfigsResponse(responses: responses)
    }

    /// One resource: `check` runs first (before anything is read), `newConfigs` turns the resource's current
    /// dynamic configs into the new set, which is validated and, unless `validateOnly`, written to ZooKeeper with a
    /// change notification. Returns the answer's error code and message (nil on success).
    private func alterConfigs(
        type: Int8, name: String, validateOnly: Bool, check: () throws(ConfigAlterError) -> Void = {},
        newConfigs: ([String: String]) throws(ConfigAlterError) -> [String: String]
    ) async -> (ErrorCode, String?) {
        let resource = describeConfigResource(type: type, name: name)
        do {
            try check()
            switch type {
            case ConfigResourceType.topic:
                let configs = try newConfigs(try await admin.topicConfig(name))
                guard try await admin.replicaAssignment(topic: name) != nil else {
                    return (.unknownTopicOrPartition, "The topic '\(name)' does not exist.")
                }
                try TopicConfigKeys.validateLikeKafka(configs)
                if !validateOnly { try await admin.changeTopicConfig(topic: name, configs: configs) }
            case ConfigResourceType.broker:
                let brokerId = try brokerResourceId(name)
                let configs = try newConfigs(try await zkSession.zk.brokerConfig(brokerId))
                try brokerConfig.validate(configs, perBroker: brokerId != nil)
                if !validateOnly { try await admin.changeBrokerConfig(brokerId: brokerId, configs: configs) }
            case ConfigResourceType.brokerLogger:
                throw ConfigAlterError.invalidRequest("AlterConfigs is deprecated and does not support the resource type BROKER_LOGGER")
            default:
                throw ConfigAlterError.invalidRequest(
                    "AlterConfigs is only supported for topics and brokers, but resource type is \(type)")
            }
            return (.noError, nil)
        } catch let error as ConfigAlterError {
            let (code, message) = error.answer(resource: resource)
            logger.info("Altering the configs of \(resource) refused: \(message)")
            return (code, message)
        } catch {
            let (code, message) = adminFailure(error, operation: "Altering the configs of \(resource)")
            return (ErrorCode(rawValue: code), message)
        }
    }

    /// Kafka's `getBrokerId`: nil for the cluster-wide defaults (empty name), else this broker's id; a broker only
    /// alters its own configs, so that it validates them against its own configuration.
    private func brokerResourceId(_ name: String) throws(ConfigAlterError) -> Int32? {
        guard !name.isEmpty else { return nil }
        guard let id = Int32(name) else { throw .invalidRequest("Broker id must be an integer, but it is: \(name)") }
        guard id == settings.brokerId else {
            throw .invalidRequest("Unexpected broker id, expected \(settings.brokerId), but received \(name)")
        }
        return id
    }
}
