import KafkaProtocol
import KafkaTestSupport
import NIOCore
import Synchronization

/// A one-broker "cluster" (broker 1, also the controller) that keeps topics in memory: enough of Metadata,
/// CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs, Produce, Fetch and ListOffsets for the CLI's
/// end-to-end tests, until the real broker serves the protocol. Not a model of Kafka's semantics beyond that.
final class InMemoryBroker: Sendable {
    private struct Topic {
        var partitions: [[UInt8]]  // each partition's batches, concatenated, offsets assigned
        var nextOffsets: [Int64]
        var configs: [String: String]
    }

    private let topics = Mutex<[String: Topic]>([:])
    private let server = Mutex<FakeBroker?>(nil)

    var port: Int { server.withLock { $0?.port ?? 0 } }

    static func start() async throws -> InMemoryBroker {
        let broker = InMemoryBroker()
        let fake = try await FakeBroker.start { [broker] header, body in try broker.handle(header, body) }
        broker.server.withLock { $0 = fake }
        return broker
    }

    func stop() async {
        let fake = server.withLock { $0 }
        await fake?.stop()
    }

    private func handle(_ header: RequestHeader, _ body: ByteBuffer) throws -> FakeBroker.Reply {
        var reader = KafkaReader(buffer: body)
        let version = header.apiVersion
        switch header.apiKey {
        case .apiVersions: return .response(Canned.apiVersions())
        case .metadata: return .response(metadata(try MetadataRequest(from: &reader, version: version)))
        case .createTopics: return .response(create(try CreateTopicsRequest(from: &reader, version: version)))
        case .deleteTopics: return .response(delete(try DeleteTopicsRequest(from: &reader, version: version)))
        case .createPartitions: return .response(grow(try CreatePartitionsRequest(from: &reader, version: version)))
        case .describeConfigs: return .response(configs(try DescribeConfigsRequest(from: &reader, version: version)))
        case .produce:
            let request = try ProduceRequest(from: &reader, version: version)
            let response = produce(request)
            return request.acks == 0 ? .noReply : .response(response)
        case .fetch: return .response(fetch(try FetchRequest(from: &reader, version: version)))
        case .listOffsets: return .response(listOffsets(try ListOffsetsRequest(from: &reader, version: version)))
        default: return .close
        }
    }

    private func metadata(_ request: MetadataRequest) -> MetadataResponse {
        topics.withLock { topics in
            let names = request.topics.map { $0.compactMap(\.name) } ?? topics.keys.sorted()
            var partitions: [String: [Canned.Partition]] = [:]
            var errors: [String: ErrorCode] = [:]
            for name in names {
                if let topic = topics[name] {
                    partitions[name] = topic.partitions.indices.map { Canned.Partition(index: Int32($0), leader: 1) }
                } else {
                    errors[name] = .unknownTopicOrPartition
                }
            }
            return Canned.metadata(brokers: [(1, port)], controllerId: 1, topics: partitions, topicErrors: errors)
        }
    }

    private func create(_ request: CreateTopicsRequest) -> CreateTopicsResponse {
        var response = CreateTopicsResponse()
        response.topics = request.topics.map { requested in
            var result = CreateTopicsResponse.CreatableTopicResult()
            result.name = requested.name
            topics.withLock { topics in
                if topics[requested.name] != nil {
                    result.errorCode = ErrorCode.topicAlreadyExists.rawValue
                    result.errorMessage = "Topic '\(requested.name)' already exists."
                    return
                }
                let count = Int(max(requested.numPartitions, 1))
                let configs = Dictionary(requested.configs.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
                topics[requested.name] = Topic(
                    partitions: Array(repeating: [], count: count), nextOffsets: Array(repeating: 0, count: count),
                    configs: configs)
            }
            return result
        }
        return response
    }

    private func delete(_ request: DeleteTopicsRequest) -> DeleteTopicsResponse {
        var response = DeleteTopicsResponse()
        response.responses = request.topicNames.map { name in
            var result = DeleteTopicsResponse.DeletableTopicResult()
            result.name = name
            let removed = topics.withLock { $0.removeValue(forKey: name) }
            if removed == nil { result.errorCode = ErrorCode.unknownTopicOrPartition.rawValue }
            return result
        }
        return response
    }

    private func grow(_ request: CreatePartitionsRequest) -> CreatePartitionsResponse {
        var response = CreatePartitionsResponse()
        response.results = request.topics.map { requested in
            var result = CreatePartitionsResponse.CreatePartitionsTopicResult()
            result.name = requested.name
            topics.withLock { topics in
                guard var topic = topics[requested.name] else {
                    result.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    return
                }
                let added = Int(requested.count) - topic.partitions.count
                guard added > 0 else {
                    result.errorCode = ErrorCode.invalidPartitions.rawValue
                    result.errorMessage = "Topic currently has \(topic.partitions.count) partitions, which is higher than the requested \(requested.count)."
                    return
                }
                topic.partitions += Array(repeating: [], count: added)
                topic.nextOffsets += Array(repeating: 0, count: added)
                topics[requested.name] = topic
            }
            return result
        }
        return response
    }

    private func configs(_ request: DescribeConfigsRequest) -> DescribeConfigsResponse {
        var response = DescribeConfigsResponse()
        response.results = request.resources.map { resource in
            var result = DescribeConfigsResponse.DescribeConfigsResult()
            result.resourceType = resource.resourceType
            result.resourceName = resource.resourceName
            let overrides = topics.withLock { $0[resource.resourceName]?.configs } ?? [:]
            var entries = overrides.sorted { $0.key < $1.key }.map { name, value in
                var entry = DescribeConfigsResponse.DescribeConfigsResourceResult()
                entry.name = name
                entry.value = value
                entry.configSource = 1  // TOPIC_CONFIG
                return entry
            }
            var fallback = DescribeConfigsResponse.DescribeConfigsResourceResult()
            fallback.name = "compression.type"
            fallback.value = "producer"
            fallback.configSource = 5  // DEFAULT_CONFIG
            entries.append(fallback)
            result.configs = entries
            return result
        }
        return response
    }

    private func produce(_ request: ProduceRequest) -> ProduceResponse {
        var response = ProduceResponse()
        response.responses = request.topicData.map { data in
            var topicResponse = ProduceResponse.TopicProduceResponse()
            topicResponse.name = data.name
            topicResponse.partitionResponses = data.partitionData.map { partitionData in
                var answer = ProduceResponse.PartitionProduceResponse()
                answer.index = partitionData.index
                topics.withLock { topics in
                    guard var topic = topics[data.name], topic.partitions.indices.contains(Int(partitionData.index)) else {
                        answer.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                        return
                    }
                    let index = Int(partitionData.index)
                    var bytes = Array(partitionData.records?.buffer?.readableBytesView ?? ByteBuffer().readableBytesView)
                    let count = bytes.withUnsafeBytes { raw in
                        RecordBatches(raw).reduce(Int64(0)) { $0 + Int64($1.header.lastOffsetDelta) + 1 }
                    }
                    answer.baseOffset = topic.nextOffsets[index]
                    bytes.withUnsafeMutableBytes { RecordBatch.setBaseOffset(topic.nextOffsets[index], in: $0) }
                    topic.partitions[index] += bytes
                    topic.nextOffsets[index] += count
                    topics[data.name] = topic
                }
                return answer
            }
            return topicResponse
        }
        return response
    }

    private func fetch(_ request: FetchRequest) -> FetchResponse {
        var response = FetchResponse()
        response.responses = request.topics.map { requested in
            var topicResponse = FetchResponse.FetchableTopicResponse()
            topicResponse.topic = requested.topic
            topicResponse.partitions = requested.partitions.map { partition in
                var data = FetchResponse.PartitionData()
                data.partitionIndex = partition.partition
                topics.withLock { topics in
                    guard let topic = topics[requested.topic], topic.partitions.indices.contains(Int(partition.partition)) else {
                        data.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                        return
                    }
                    let index = Int(partition.partition)
                    data.highWatermark = topic.nextOffsets[index]
                    data.lastStableOffset = topic.nextOffsets[index]
                    guard partition.fetchOffset <= topic.nextOffsets[index] else {
                        data.errorCode = ErrorCode.offsetOutOfRange.rawValue
                        return
                    }
                    let stored = topic.partitions[index]
                    let from = stored.withUnsafeBytes { raw in
                        RecordBatches(raw).first { $0.header.lastOffset >= partition.fetchOffset }?.range.lowerBound
                    }
                    data.records = .bytes(ByteBuffer(bytes: from.map { Array(stored[$0...]) } ?? []))
                }
                return data
            }
            return topicResponse
        }
        return response
    }

    private func listOffsets(_ request: ListOffsetsRequest) -> ListOffsetsResponse {
        var response = ListOffsetsResponse()
        response.topics = request.topics.map { requested in
            var topicResponse = ListOffsetsResponse.ListOffsetsTopicResponse()
            topicResponse.name = requested.name
            topicResponse.partitions = requested.partitions.map { partition in
                var answer = ListOffsetsResponse.ListOffsetsPartitionResponse()
                answer.partitionIndex = partition.partitionIndex
                answer.timestamp = -1
                topics.withLock { topics in
                    guard let topic = topics[requested.name] else {
                        answer.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                        return
                    }
                    let index = Int(partition.partitionIndex)
                    switch partition.timestamp {
                    case -2: answer.offset = 0
                    case -1: answer.offset = topic.nextOffsets[index]
                    default:
                        answer.offset = topic.partitions[index].withUnsafeBytes { raw in
                            RecordBatches(raw).first { $0.header.maxTimestamp >= partition.timestamp }?.header.baseOffset
                        } ?? -1
                    }
                }
                return answer
            }
            return topicResponse
        }
        return response
    }
}
