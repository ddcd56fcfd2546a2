import KafkaProtocol

/// Why an AlterConfigs or IncrementalAlterConfigs resource is refused, in the three shapes Kafka 2.8's
/// `ZkAdminManager` answers with: an `InvalidConfigurationException` (INVALID_CONFIG, e.g. "Unknown topic config
/// name: x"), an `InvalidRequestException` (INVALID_REQUEST, e.g. duplicate keys), and a `ConfigException` (a
/// value that does not parse or validate, a config that is not dynamic), which Kafka turns into INVALID_REQUEST
/// with "Invalid config value for resource <resource>: " before the message.
enum ConfigAlterError: Error, Equatable {
    case invalidConfig(String)
    case invalidRequest(String)
    case configException(String)

    static func config(_ exception: KafkaConfigException) -> ConfigAlterError { .configException(exception.message) }

    /// The error code and message of the resource's answer; `resource` is Kafka's `ConfigResource.toString`.
    func answer(resource: String) -> (code: ErrorCode, message: String) {
        switch self {
        case .invalidConfig(let message): (.invalidConfig, message)
        case .invalidRequest(let message): (.invalidRequest, message)
        case .configException(let message): (.invalidRequest, "Invalid config value for resource \(resource): \(message)")
        }
    }
}

/// Kafka's `ConfigResource.toString` (`ConfigResource(type=TOPIC, name='orders')`), as it appears in messages.
func describeConfigResource(type: Int8, name: String) -> String {
    let typeName =
        switch type {
        case ConfigResourceType.topic: "TOPIC"
        case ConfigResourceType.broker: "BROKER"
        case ConfigResourceType.brokerLogger: "BROKER_LOGGER"
        default: "UNKNOWN"
        }
    return "ConfigResource(type=\(typeName), name='\(name)')"
}

/// A set as Scala prints it in Kafka's messages: `Set(a, b)`.
func scalaSet(_ names: some Sequence<String>) -> String {
    "Set(" + names.sorted().joined(separator: ", ") + ")"
}
