import Coordination
import KafkaProtocol

extension BrokerApis {
    /// Kafka's `handleDescribeConfigsRequest` (ZooKeeper mode): topics (overrides from `/config/topics/<t>` over the
    /// broker's values in force), this broker (every config, dynamic ones included) and the cluster-wide dynamic
    /// defaults (empty name), with where each value comes from and, when asked, its synonyms. Needs
    /// DESCRIBE_CONFIGS on the topic, or on the cluster for broker resources, else TOPIC_AUTHORIZATION_FAILED or
    /// CLUSTER_AUTHORIZATION_FAILED with Kafka's default message and no configs.
    func describeConfigs(_ request: DescribeConfigsRequest, _ context: RequestContext) async -> DescribeConfigsResponse {
        var results: [DescribeConfigsResponse.DescribeConfigsResult] = []
        let layers = BrokerConfigLayers(brokerConfig)
        let auth = authorizer(context)
        for resource in request.resources {
            if let refusal = auth.configResourceRefusal(.describeConfigs, type: resource.resourceType, name: resource.resourceName) {
                results.append(.init(
                    errorCode: refusal.rawValue, errorMessage: refusal.authorizationMessage, resourceType: resource.resourceType,
                    resourceName: resource.resourceName, configs: []))
                continue
            }
            // A described resource's message is "", not null: Kafka 2.8's ConfigHelper leaves the schema default.
            var result = DescribeConfigsResponse.DescribeConfigsResult(
                errorCode: 0, errorMessage: "", resourceType: resource.resourceType, resourceName: resource.resourceName)
            let wanted = resource.configurationKeys.map(Set.init)
            var entries: [DescribedConfig] = []
            switch resource.resourceType {
            case ConfigResourceType.topic:
                do {
                    guard try await admin.replicaAssignment(topic: resource.resourceName) != nil else {
                        throw AdminError(code: .unknownTopicOrPartition, message: "Topic \(resource.resourceName) does not exist")
                    }
                    entries = layers.topicEntries(overrides: try await admin.topicConfig(resource.resourceName))
                } catch {
                    (result.errorCode, result.errorMessage) = adminFailure(error, operation: "Describing topic \(resource.resourceName)")
                }
            case ConfigResourceType.broker where resource.resourceName.isEmpty:
                entries = layers.brokerEntries(perBroker: false)
            case ConfigResourceType.broker where resource.resourceName == String(settings.brokerId):
                entries = layers.brokerEntries(perBroker: true)
            case ConfigResourceType.broker:
                result.errorCode = ErrorCode.invalidRequest.rawValue
                result.errorMessage =
                    "Unexpected broker id, expected \(settings.brokerId) or empty string, but received \(resource.resourceName)"
            default:
                result.errorCode = ErrorCode.invalidRequest.rawValue
                result.errorMessage = "Unsupported resource type \(resource.resourceType)"
            }
            result.configs = entries.filter { wanted?.contains($0.name) ?? true }.map {
                .init(
                    name: $0.name, value: $0.value, readOnly: $0.readOnly, isDefault: $0.source == ConfigSource.default,
                    configSource: $0.source, isSensitive: $0.sensitive,
                    synonyms: request.includeSynonyms
                        ? $0.synonyms.map { .init(name: $0.name, value: $0.value, source: $0.source) } : [],
                    configType: (resource.resourceType == ConfigResourceType.topic ? ConfigDef.topic : ConfigDef.broker)[$0.name]?
                        .type.describeConfigsId ?? 0)
            }
            results.append(result)
        }
        return DescribeConfigsResponse(results: results)
    }

    /// Every topic config key with its effective value: the override when there is one, else the broker's value.
    func topicConfigEntries(overrides: [String: String]) -> [(name: String, value: String?, source: Int8)] {
        BrokerConfigLayers(brokerConfig).topicEntries(overrides: overrides).map { ($0.name, $0.value, $0.source) }
    }
}
