import KafkaProtocol
import KafkaTestSupport
import NIOCore
import Testing

@testable import KafkaClient

extension FakeBroker {
    var address: BrokerAddress { BrokerAddress(host: "127.0.0.1", port: port) }
}

/// A client whose deadlines only bound a failing test (60 s): the unit suite starts dozens of ZooKeeper JVMs at once
/// on CI's two cores, which stalled tests with 5 s deadlines past them (and they failed). Tests of what happens at
/// the deadline pass a short `operationTimeout`.
private func client(_ bootstrap: [BrokerAddress], operationTimeout: Duration = .seconds(60)) -> KafkaClusterClient {
    var configuration = KafkaClusterClient.Configuration(
        operationTimeout: operationTimeout, retryBackoff: .milliseconds(10), maxRetryBackoff: .milliseconds(50))
    configuration.connection.requestTimeout = .seconds(60)
    return KafkaClusterClient(bootstrapServers: bootstrap, configuration: configuration)
}

/// Brokers 1 and 2 that answer ApiVersions and Metadata (from `metadata`, given both ports) and pass every other
/// request to `respond` with the broker's id.
private func twoBrokers(
    metadata: @escaping @Sendable (_ ports: [Int]) -> MetadataResponse,
    respond: @escaping @Sendable (_ brokerId: Int32, RequestHeader, ByteBuffer) throws -> FakeBroker.Reply
) async throws -> [FakeBroker] {
    let ports = PortBox()
    var brokers: [FakeBroker] = []
    for id: Int32 in [1, 2] {
        brokers.append(try await FakeBroker.start { header, body in
            switch header.apiKey {
            case .apiVersions: return .response(Canned.apiVersions())
            case .metadata: return .response(metadata(ports.ports))
            default: return try respond(id, header, body)
            }
        })
    }
    ports.ports = brokers.map(\.port)
    return brokers
}

/// Ports filled in after the brokers start (their responders need each other's ports).
private final class PortBox: @unchecked Sendable {
    // Written once before any request can arrive, read afterwards.
    var ports: [Int] = []
}

private func produceResponse(_ request: ProduceRequest, errorCode: ErrorCode, baseOffset: Int64 = 0) -> ProduceResponse {
    var response = ProduceResponse()
    response.responses = request.topicData.map { topic in
        var entry = ProduceResponse.TopicProduceResponse()
        entry.name = topic.name
        entry.partitionResponses = topic.partitionData.map { partition in
            var answer = ProduceResponse.PartitionProduceResponse()
            answer.index = partition.index
            answer.errorCode = errorCode.rawValue
            answer.baseOffset = baseOffset
            return answer
        }
        return entry
    }
    return response
}

private func fetchResponse(topic: String, partition: Int32, errorCode: ErrorCode = .noError, highWatermark: Int64, records: [UInt8]?) -> FetchResponse {
    var data = FetchResponse.PartitionData()
    data.partitionIndex = partition
    data.errorCode = errorCode.rawValue
    data.highWatermark = highWatermark
    data.lastStableOffset = highWatermark
    data.records = records.map { .bytes(ByteBuffer(bytes: $0)) }
    var topicResponse = FetchResponse.FetchableTopicResponse()
    topicResponse.topic = topic
    topicResponse.partitions = [data]
    var response = FetchResponse()
    response.responses = [topicResponse]
    return response
}

@Suite struct ClusterClientTests {
    @Test func metadataComesFromTheBootstrapServerAndListsBrokersAndLeaders() async throws {
        let brokers = try await twoBrokers(
            metadata: { ports in
                Canned.metadata(
                    brokers: [(1, ports[0]), (2, ports[1])], controllerId: 2,
                    topics: ["t": [.init(index: 1, leader: 2, replicas: [2, 1]), .init(index: 0, leader: 1, replicas: [1, 2])]],
                    topicErrors: ["missing": .unknownTopicOrPartition])
            },
            respond: { _, _, _ in .close })
        let client = client([brokers[0].address])
        let metadata = try await client.metadata(topics: ["t", "missing"])
        #expect(metadata.clusterId == "fake-cluster")
        #expect(metadata.controllerId == 2)
        #expect(metadata.brokers.map(\.id) == [1, 2])
        #expect(metadata.topic("t")?.partitions.map(\.partition) == [0, 1])
        #expect(metadata.topic("t")?.partition(1)?.leader == 2)
        #expect(metadata.topic("t")?.partition(1)?.replicas == [2, 1])
        #expect(metadata.topic("missing")?.errorCode == .unknownTopicOrPartition)
        let request = try #require(brokers[0].requests(of: .metadata).first)
        #expect(request.apiVersion == MetadataRequest.validVersions.upperBound)
        #expect(brokers[1].requests.isEmpty)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func produceGoesToTheLeaderAndRetriesAfterNotLeaderOrFollower() async throws {
        let attempts = Counter()
        let brokers = try await twoBrokers(
            metadata: { ports in
                // The leader moves from broker 1 to broker 2 after the first produce attempt.
                let leader: Int32 = attempts.current == 0 ? 1 : 2
                return Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: ["t": [.init(index: 0, leader: leader)]])
            },
            respond: { brokerId, header, body in
                guard header.apiKey == .produce else { return .close }
                var reader = KafkaReader(buffer: body)
                let request = try ProduceRequest(from: &reader, version: header.apiVersion)
                _ = attempts.increment()
                return .response(produceResponse(
                    request, errorCode: brokerId == 1 ? .notLeaderOrFollower : .noError, baseOffset: 42))
            })
        let client = client([brokers[0].address])
        var batch = RecordBatchBuilder(baseTimestamp: 1_000)
        batch.append(key: nil, value: Array("hello".utf8))
        let result = try await client.produce(topic: "t", partition: 0, batch: batch, acks: -1)
        #expect(result?.baseOffset == 42)
        #expect(brokers[0].requests(of: .produce).count == 1)
        #expect(brokers[1].requests(of: .produce).count == 1)
        #expect(brokers[0].requests(of: .metadata).count >= 2)  // refreshed after NOT_LEADER_OR_FOLLOWER
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func produceWithAcksZeroExpectsNoAnswer() async throws {
        let received = Counter()
        let brokers = try await twoBrokers(
            metadata: { ports in Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: ["t": [.init(index: 0, leader: 1)]]) },
            respond: { _, header, _ in
                _ = received.increment()
                return header.apiKey == .produce ? .noReply : .close
            })
        let client = client([brokers[0].address])
        var batch = RecordBatchBuilder(baseTimestamp: 1_000)
        batch.append(key: nil, value: [1])
        #expect(try await client.produce(topic: "t", partition: 0, batch: batch, acks: 0) == nil)
        // A request after it on the same connection still gets its own answer.
        #expect(try await client.metadata(topics: ["t"]).topic("t") != nil)
        #expect(received.current == 1)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func fetchDecodesTheLeadersRecordsFromTheRequestedOffset() async throws {
        var builder = RecordBatchBuilder(baseTimestamp: 5_000)
        for value in ["a", "b", "c"] { builder.append(key: Array("k".utf8), value: Array(value.utf8)) }
        var batch = builder.build()
        batch.withUnsafeMutableBytes { RecordBatch.setBaseOffset(10, in: $0) }
        let stored = batch
        let brokers = try await twoBrokers(
            metadata: { ports in Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: ["t": [.init(index: 3, leader: 2)]]) },
            respond: { _, header, body in
                guard header.apiKey == .fetch else { return .close }
                var reader = KafkaReader(buffer: body)
                let request = try FetchRequest(from: &reader, version: header.apiVersion)
                #expect(request.replicaId == -1)
                #expect(request.topics.first?.partitions.first?.fetchOffset == 11)
                return .response(fetchResponse(topic: "t", partition: 3, highWatermark: 13, records: stored))
            })
        let client = client([brokers[0].address])
        let result = try await client.fetch(topic: "t", partition: 3, offset: 11)
        #expect(result.records.map(\.offset) == [11, 12])
        #expect(result.records.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["b", "c"])
        #expect(result.records.allSatisfy { $0.partition == 3 && $0.key == Array("k".utf8) })
        #expect(result.nextOffset == 13)
        #expect(result.highWatermark == 13)
        #expect(brokers[1].requests(of: .fetch).count == 1)
        #expect(brokers[0].requests(of: .fetch).isEmpty)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func emptyFetchKeepsThePosition() async throws {
        let brokers = try await twoBrokers(
            metadata: { ports in Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: ["t": [.init(index: 0, leader: 1)]]) },
            respond: { _, _, _ in .response(fetchResponse(topic: "t", partition: 0, highWatermark: 7, records: nil)) })
        let client = client([brokers[0].address])
        let result = try await client.fetch(topic: "t", partition: 0, offset: 7, maxWait: .milliseconds(1))
        #expect(result.records.isEmpty)
        #expect(result.nextOffset == 7)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func offsetOutOfRangeIsNotRetried() async throws {
        let fetches = Counter()
        let brokers = try await twoBrokers(
            metadata: { ports in Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: ["t": [.init(index: 0, leader: 1)]]) },
            respond: { _, _, _ in
                _ = fetches.increment()
                return .response(fetchResponse(topic: "t", partition: 0, errorCode: .offsetOutOfRange, highWatermark: 0, records: nil))
            })
        let client = client([brokers[0].address])
        await #expect {
            try await client.fetch(topic: "t", partition: 0, offset: 99)
        } throws: { error in
            (error as? KafkaClientError)?.errorCode == .offsetOutOfRange
        }
        #expect(fetches.current == 1)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func listOffsetsAsksTheLeader() async throws {
        let brokers = try await twoBrokers(
            metadata: { ports in Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: ["t": [.init(index: 0, leader: 2)]]) },
            respond: { _, header, body in
                var reader = KafkaReader(buffer: body)
                let request = try ListOffsetsRequest(from: &reader, version: header.apiVersion)
                var partition = ListOffsetsResponse.ListOffsetsPartitionResponse()
                partition.partitionIndex = 0
                partition.offset = request.topics.first?.partitions.first?.timestamp == OffsetSpec.earliest ? 3 : 17
                partition.timestamp = -1
                var topic = ListOffsetsResponse.ListOffsetsTopicResponse()
                topic.name = "t"
                topic.partitions = [partition]
                var response = ListOffsetsResponse()
                response.topics = [topic]
                return .response(response)
            })
        let client = client([brokers[0].address])
        #expect(try await client.listOffsets(topic: "t", partition: 0, timestamp: OffsetSpec.earliest).offset == 3)
        #expect(try await client.listOffsets(topic: "t", partition: 0, timestamp: OffsetSpec.latest).offset == 17)
        #expect(brokers[1].requests(of: .listOffsets).count == 2)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func missingLeaderIsRetriedUntilTheDeadline() async throws {
        let brokers = try await twoBrokers(
            metadata: { ports in Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: ["t": [.init(index: 0, leader: -1)]]) },
            respond: { _, _, _ in .close })
        let client = client([brokers[0].address], operationTimeout: .seconds(5))
        // Connected and the metadata cached before the timed operation, so that a slow first connection (a loaded
        // machine) cannot use up the deadline: the operation's first attempt answers from the cache, and only a
        // retry asks for metadata again.
        _ = try await client.metadata(topics: ["t"])
        let asked = brokers[0].requests(of: .metadata).count
        await #expect {
            try await client.listOffsets(topic: "t", partition: 0, timestamp: OffsetSpec.latest)
        } throws: { error in
            guard case KafkaClientError.retriesExhausted(_, let last) = error else { return false }
            return last.contains("no leader for t-0")
        }
        // Retried means metadata was asked again at least once; how often depends on the machine's speed.
        #expect(brokers[0].requests(of: .metadata).count >= asked + 1)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func unknownTopicFailsAfterTheDeadline() async throws {
        let brokers = try await twoBrokers(
            metadata: { ports in Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: [:], topicErrors: ["t": .unknownTopicOrPartition]) },
            respond: { _, _, _ in .close })
        let client = client([brokers[0].address], operationTimeout: .milliseconds(200))
        await #expect {
            try await client.fetch(topic: "t", partition: 0, offset: 0)
        } throws: { error in
            guard case KafkaClientError.retriesExhausted(_, let last) = error else { return false }
            return last.contains("unknown topic t")
        }
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func unreachableBootstrapServerIsSkipped() async throws {
        let gone = try await FakeBroker.start { _, _ in .close }
        let goneAddress = gone.address
        await gone.stop()
        let brokers = try await twoBrokers(
            metadata: { ports in Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: [:]) },
            respond: { _, _, _ in .close })
        let client = client([goneAddress, brokers[1].address])
        #expect(try await client.metadata(topics: []).brokers.count == 2)
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func connectionClosedByTheBrokerIsReopenedAndTheRequestRetried() async throws {
        let produces = Counter()
        let brokers = try await twoBrokers(
            metadata: { ports in Canned.metadata(brokers: [(1, ports[0]), (2, ports[1])], topics: ["t": [.init(index: 0, leader: 2)]]) },
            respond: { _, header, body in
                guard produces.increment() > 1 else { return .close }
                var reader = KafkaReader(buffer: body)
                return .response(produceResponse(try ProduceRequest(from: &reader, version: header.apiVersion), errorCode: .noError, baseOffset: 5))
            })
        let client = client([brokers[0].address])
        var batch = RecordBatchBuilder(baseTimestamp: 1_000)
        batch.append(key: nil, value: [1])
        #expect(try await client.produce(topic: "t", partition: 0, batch: batch)?.baseOffset == 5)
        #expect(brokers[1].requests(of: .apiVersions).count == 2)  // a second connection, negotiated again
        await client.close()
        for broker in brokers { await broker.stop() }
    }

    @Test func bootstrapListParsing() throws {
        #expect(try BrokerAddress.parseList("a:1,b:2") == [BrokerAddress(host: "a", port: 1), BrokerAddress(host: "b", port: 2)])
        #expect(try BrokerAddress.parseList("[::1]:9092") == [BrokerAddress(host: "::1", port: 9092)])
        #expect(BrokerAddress(host: "::1", port: 9092).description == "[::1]:9092")
        #expect(throws: BrokerAddressError.self) { try BrokerAddress.parseList("nohost") }
        #expect(throws: BrokerAddressError.self) { try BrokerAddress.parseList("h:0") }
        #expect(throws: BrokerAddressError.self) { try BrokerAddress.parseList("::1:9092") }
        #expect(throws: BrokerAddressError.self) { try BrokerAddress.parseList("") }
    }
}
