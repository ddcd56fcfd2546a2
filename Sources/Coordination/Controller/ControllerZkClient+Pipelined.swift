import KafkaProtocol

/// Many partitions at once (Kafka's controller sends its ZooKeeper requests asynchronously, in batches): one at a
/// time, a failover over thousands of partitions would wait for thousands of round trips in a row. Requests run
/// with up to `pipelineDepth` in flight; results come back in the order asked. Deciding what to write stays with
/// the caller, which applies the results one by one.
extension ControllerZkClient {
    static let pipelineDepth = 128

    /// Each partition's state znode: nil when it does not exist, `.failure` when it cannot be parsed.
    func partitionStates(
        _ partitions: [TopicPartition]
    ) async throws -> [(TopicPartition, Result<LeaderIsrAndControllerEpoch?, ZkDataError>)] {
        try await pipelined(partitions) { partition in
            do {
                return (partition, .success(try await partitionState(partition)))
            } catch let error as ZkDataError {
                return (partition, .failure(error))
            }
        }
    }

    /// New partitions' state znodes (`createPartitionState` each): nil where one already existed.
    func createPartitionStates(_ creations: [PartitionStateCreation]) async throws -> [(TopicPartition, LeaderIsrAndControllerEpoch?)] {
        try await pipelined(creations) { ($0.partition, try await createPartitionState($0.partition, $0.state)) }
    }

    /// Each topic's assignment: nil where the znode is gone, `.failure` where it cannot be parsed.
    func topicAssignments(_ topics: [String]) async throws -> [(String, Result<TopicZNode?, ZkDataError>)] {
        try await pipelined(topics) { topic in
            do {
                return (topic, .success(try await topicAssignment(topic)))
            } catch let error as ZkDataError {
                return (topic, .failure(error))
            }
        }
    }

    /// Each topic's config overrides (empty where it has none), `.failure` where they cannot be parsed.
    func topicConfigs(_ topics: [String]) async throws -> [String: Result<[String: String], ZkDataError>] {
        let reads = try await pipelined(topics) { topic -> (String, Result<[String: String], ZkDataError>) in
            do {
                return (topic, .success(try await topicConfig(topic) ?? [:]))
            } catch let error as ZkDataError {
                return (topic, .failure(error))
            }
        }
        return Dictionary(reads, uniquingKeysWith: { first, _ in first })
    }

    /// Deletes each path with everything below it, several paths at once.
    func deleteRecursively(_ paths: [String]) async throws {
        _ = try await pipelined(paths) { try await deleteRecursively($0) }
    }

    /// `body` over `items` with up to `pipelineDepth` calls in flight; the results in `items`' order.
    private func pipelined<Item: Sendable, Result: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Result
    ) async throws -> [Result] {
        try await concurrentMap(items, limit: Self.pipelineDepth, body)
    }
}
