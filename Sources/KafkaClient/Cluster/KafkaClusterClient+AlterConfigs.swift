import KafkaProtocol

/// One change of an IncrementalAlterConfigs request (Kafka's `AlterConfigOp`).
public struct ConfigAlteration: Sendable, Hashable {
    public enum Operation: Int8, Sendable, Hashable {
        case set = 0
        case delete = 1
        /// Adds elements to a list config.
        case append = 2
        /// Removes elements from a list config.
        case subtract = 3
    }

    public var name: String
    public var operation: Operation
    /// Nil for `delete`.
    public var value: String?

    public init(name: String, operation: Operation, value: String?) {
        self.name = name
        self.operation = operation
        self.value = value
    }

    public static func set(_ name: String, _ value: String) -> ConfigAlteration { .init(name: name, operation: .set, value: value) }
    public static func delete(_ name: String) -> ConfigAlteration { .init(name: name, operation: .delete, value: nil) }
}

/// A broker's answer for one resource of an alter request.
public struct ConfigAlterResult: Sendable, Hashable {
    public var resource: ConfigResource
    public var errorCode: ErrorCode
    public var errorMessage: String?

    public var error: KafkaClientError? {
        errorCode == .noError ? nil : .broker(errorCode, context: "configs of \(resource.name)", message: errorMessage)
    }
}

extension KafkaClusterClient {
    /// Changes single configs of a topic, a broker (sent to that broker, which validates its own) or the
    /// cluster-wide broker defaults (empty name). A refusal is in the result, not thrown.
    public func incrementalAlterConfigs(
        _ resource: ConfigResource, _ alterations: [ConfigAlteration], validateOnly: Bool = false,
        timeout: Duration? = nil
    ) async throws(KafkaClientError) -> ConfigAlterResult {
        try await withRetries("IncrementalAlterConfigs for \(resource.name)", timeout: timeout) {
            () async throws(KafkaClientError) -> ConfigAlterResult in
            let connection = try await configConnection(for: resource)
            let version = try connection.negotiatedVersion(IncrementalAlterConfigsRequest.self)
            var requested = IncrementalAlterConfigsRequest.AlterConfigsResource()
            requested.resourceType = resource.type.rawValue
            requested.resourceName = resource.name
            requested.configs = alterations.map {
                .init(name: $0.name, configOperation: $0.operation.rawValue, value: $0.value)
            }
            var request = IncrementalAlterConfigsRequest()
            request.resources = [requested]
            request.validateOnly = validateOnly
            let response = try await connection.send(request, version: version)
            guard let answer = response.responses.first(where: { $0.resourceName == resource.name }) else {
                throw .decodingFailed(api: .incrementalAlterConfigs, version: version, reason: "no answer for \(resource.name)")
            }
            return ConfigAlterResult(
                resource: resource, errorCode: ErrorCode(rawValue: answer.errorCode), errorMessage: answer.errorMessage)
        }
    }
}
