import KafkaProtocol
import NIOCore
import Testing

@testable import KafkaClient

/// A cluster of brokers 1 and 2 whose controller is `controller()`; admin requests go to `respond`.
private func cluster(
    controller: @escaping @Sendable () -> Int32,
    respond: @escaping @Sendable (_ brokerId: Int32, RequestHeader, ByteBuffer) throws -> FakeBroker.Reply
) async throws -> [FakeBroker] {
    let ports = PortList()
    var brokers: [FakeBroker] = []
    for id: Int32 in [1, 2] {
        brokers.append(try await FakeBroker.start { header, body in
            switch header.apiKey {
            case .apiVersions: return .response(Canned.apiVersions())
            case .metadata:
                let known = ports.value
                return .response(Canned.metadata(brokers: [(1, known[0]), (2, known[1])], controllerId: controller(), topics: [:]))
            default: return try respond(id, header, body)
            }
        })
    }
    ports.value = brokers.map(\.port)
    return brokers
}

private final class PortList: @unchecked Sendable {
    // Written once before any request can arrive, read afterwards.
    var value: [Int] = []
}

private func client(_ brokers: [FakeBroker]) -> KafkaClusterClient {
    let configuration = KafkaClusterClient.Configuration(retryBackoff: .milliseconds(10), maxRetryBackoff: .milliseconds(20))
    return KafkaClusterClient(bootstrapServers: [brokers[0].address], configuration: configuration)
}

@Suite struct AdminClientTests {
    @Test func createTopicsGoesToTheControllerAndRetriesTopicsAnsweredNotController() async throws {
        let moved = Counter()
        let brokers = try await cluster(
            controller: { moved.current == 0 ? 1 : 2 },
            respond: { brokerId, header, body in
                var reader = KafkaReader(buffer: body)
                let request = try CreateTopicsRequest(from: &reader, version: header.apiVersion)
                var response = CreateTopicsResponse()
                response.topics = request.topics.map { topic in
                    var result = CreateTopicsResponse.CreatableTopicResult()
                    result.name = topic.name
                    if brokerId == 1 {
                        _ = moved.increment()
                        result.errorCode = ErrorCode.notController.rawValue
                    } else if topic.name == "taken" {
                        result.errorCode = ErrorCode.topicAlreadyExists.rawValue
                        result.errorMessage = "Topic 'taken' already exists."
                    }
                    return result
                }
                // The new controller sees the requested layout and configs.
                if brokerId == 2, let created = request.topics.first(where: { $0.name == "orders" }) {
                    #expect(created.numPartitions == 3)
                    #expect(created.replicationFactor == 2)
                    #expect(created.configs.map(\.name) == ["cleanup.policy", "retention.ms"])
                }
                return .response(response)
            })
        let client = client(brokers)
        let results = try await client.createTopics([
            NewTopic(name: "orders", numPartitions: 3, replicationFactor: 2,
                     configs: ["retention.ms": "1000", "cleanup.policy": "delete"]),
            NewTopic(name: "taken", numPartitions: 1, replicationFactor: 1),
        ])
        #expect(results.map(\.name) == ["orders", "taken"])
        #expect(results[0].error == nil)
        #expect(results[1].errorCode == .topicAlreadyExists)
        #expect(results[1].errorMessage == "Topic 'taken' already exists.")
        #expect(brokers[0].requests(of: .createTopics).count == 1)
        #expect(brokers[1].requests(of: .createTopics).count == 1)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func deleteTopicsAndCreatePartitionsReportPerTopicErrors() async throws {
        let brokers = try await cluster(
            controller: { 2 },
            respond: { _, header, body in
                var reader = KafkaReader(buffer: body)
                switch header.apiKey {
                case .deleteTopics:
                    let request = try DeleteTopicsRequest(from: &reader, version: header.apiVersion)
                    var response = DeleteTopicsResponse()
                    response.responses = request.topicNames.map { name in
                        var result = DeleteTopicsResponse.DeletableTopicResult()
                        result.name = name
                        result.errorCode = name == "ghost" ? ErrorCode.unknownTopicOrPartition.rawValue : 0
                        return result
                    }
                    return .response(response)
                case .createPartitions:
                    let request = try CreatePartitionsRequest(from: &reader, version: header.apiVersion)
                    var response = CreatePartitionsResponse()
                    response.results = request.topics.map { topic in
                        var result = CreatePartitionsResponse.CreatePartitionsTopicResult()
                        result.name = topic.name
                        result.errorCode = topic.count < 4 ? ErrorCode.invalidPartitions.rawValue : 0
                        return result
                    }
                    return .response(response)
                default:
                    return .close
                }
            })
        let client = client(brokers)
        let deleted = try await client.deleteTopics(["t", "ghost"])
        #expect(deleted.map(\.errorCode) == [.noError, .unknownTopicOrPartition])
        let grown = try await client.createPartitions(["a": 4, "b": 2])
        #expect(grown.map(\.name) == ["a", "b"])
        #expect(grown.map(\.errorCode) == [.noError, .invalidPartitions])
        #expect(brokers[0].requests(of: .deleteTopics).isEmpty)
        #expect(brokers[1].requests(of: .deleteTopics).count == 1)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func describeConfigsReadsTopicConfigsWithTheirSources() async throws {
        let brokers = try await cluster(
            controller: { 1 },
            respond: { _, header, body in
                var reader = KafkaReader(buffer: body)
                let request = try DescribeConfigsRequest(from: &reader, version: header.apiVersion)
                let resource = try #require(request.resources.first)
                #expect(resource.resourceType == 2)
                var override = DescribeConfigsResponse.DescribeConfigsResourceResult()
                override.name = "retention.ms"
                override.value = "1000"
                override.configSource = ConfigSource.topicConfig.rawValue
                var fallback = DescribeConfigsResponse.DescribeConfigsResourceResult()
                fallback.name = "cleanup.policy"
                fallback.value = "delete"
                fallback.configSource = ConfigSource.defaultConfig.rawValue
                var result = DescribeConfigsResponse.DescribeConfigsResult()
                result.resourceType = resource.resourceType
                result.resourceName = resource.resourceName
                result.configs = [override, fallback]
                var response = DescribeConfigsResponse()
                response.results = [result]
                return .response(response)
            })
        let client = client(brokers)
        let result = try #require(try await client.describeConfigs([.topic("orders")]).first)
        #expect(result.error == nil)
        #expect(result.entries.filter { !$0.isDefault }.map(\.name) == ["retention.ms"])
        #expect(result.entries.first?.source == .topicConfig)
        await client.close()
        for broker in brokers { await broker.stop() }
    }
}
