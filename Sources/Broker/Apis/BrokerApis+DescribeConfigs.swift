import Coordination
import KafkaProtocol

/// DescribeConfigs resource types and config sources (Kafka's `ConfigResource.Type`, `ConfigSource`).
enum ConfigResourceType {
    static let topic: Int8 = 2
    static let broker: Int8 = 4
}

enum ConfigSource {
    static let dynamicTopic: Int8 = 1
    static let staticBroker: Int8 = 4
    static let `default`: Int8 = 5
}

extension BrokerApis {
    /// Kafka's `handleDescribeConfigsRequest` for topics (overrides from `/config/topics/<t>` over the broker's
    /// defaults) and for this broker (its `server.properties` values, passwords hidden).
    func describeConfigs(_ request: DescribeConfigsRequest, _ context: RequestContext) async -> DescribeConfigsResponse {
        var results: [DescribeConfigsResponse.DescribeConfigsResult] = []
        for resource in request.resources {
            // A described resource's message is "", not null: Kafka 2.8's ConfigHelper leaves the schema default.
            var result = DescribeConfigsResponse.DescribeConfigsResult(
                errorCode: 0, errorMessage: "", resourceType: resource.resourceType, resourceName: resource.resourceName)
            let wanted = resource.configurationKeys.map(Set.init)
            switch resource.resourceType {
            case ConfigResourceType.topic:
                do {
                    guard try await admin.replicaAssignment(topic: resource.resourceName) != nil else {
                        throw AdminError(code: .unknownTopicOrPartition, message: "Topic \(resource.resourceName) does not exist")
                    }
                    let overrides = try await admin.topicConfig(resource.resourceName)
                    result.configs = topicConfigEntries(overrides: overrides)
                        .filter { wanted?.contains($0.name) ?? true }
                        .map {
                            .init(name: $0.name, value: $0.value, readOnly: false, isDefault: $0.source != ConfigSource.dynamicTopic,
                                  configSource: $0.source, isSensitive: false)
                        }
                } catch {
                    (result.errorCode, result.errorMessage) = adminFailure(error, operation: "Describing topic \(resource.resourceName)")
                }
            case ConfigResourceType.broker:
                guard resource.resourceName.isEmpty || resource.resourceName == String(settings.brokerId) else {
                    result.errorCode = ErrorCode.invalidRequest.rawValue
                    result.errorMessage = "Unexpected broker id, expected \(settings.brokerId), but received \(resource.resourceName)"
                    break
                }
                result.configs = settings.brokerConfigs
                    .filter { wanted?.contains($0.name) ?? true }
                    .map {
                        .init(name: $0.name, value: $0.sensitive ? nil : $0.value, readOnly: true, isDefault: false,
                              configSource: ConfigSource.staticBroker, isSensitive: $0.sensitive)
                    }
            default:
                result.errorCode = ErrorCode.invalidRequest.rawValue
                result.errorMessage = "Unsupported resource type \(resource.resourceType)"
            }
            results.append(result)
        }
        return DescribeConfigsResponse(results: results)
    }

    /// Every topic config key with its effective value: the override when there is one, else the broker default.
    func topicConfigEntries(overrides: [String: String]) -> [(name: String, value: String?, source: Int8)] {
        TopicConfigKeys.brokerDefaults.map(\.topic).sorted().map { name in
            if let value = overrides[name] { return (name, value, ConfigSource.dynamicTopic) }
            return (name, settings.topicConfigDefaults[name], ConfigSource.default)
        }
    }
}
