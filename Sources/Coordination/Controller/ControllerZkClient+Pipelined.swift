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

    /// Conditional writes of new leader/ISR states (each fenced by the controller epoch, as `updatePartitionState`).
    func updatePartitionStates(_ updates: [(TopicPartition, LeaderAndIsr)]) async throws -> [(TopicPartition, UpdateOutcome)] {
        try await pipelined(updates) { partition, state in (partition, try await updatePartitionState(partition, state)) }
    }

    /// New partitions' state znodes (`createPartitionState` each): nil where one already existed.
    func createPartitionStates(
        _ creations: [(TopicPartition, LeaderIsrAndControllerEpoch)]
    ) async throws -> [(TopicPartition, LeaderIsrAndControllerEpoch?)] {
        try await pipelined(creations) { partition, state in (partition, try await createPartitionState(partition, state)) }
    }

    /// `body` over `items` with up to `pipelineDepth` calls in flight; the results in `items`' order.
    private func pipelined<Item: Sendable, Result: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Result
    ) async throws -> [Result] {
        guard items.count > 1 else { return try await items.asyncMap(body) }
        return try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: items.count)
            var next = 0
            for _ in 0..<min(Self.pipelineDepth, items.count) {
                let index = next
                group.addTask { (index, try await body(items[index])) }
                next += 1
            }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < items.count {
                    let index = next
                    group.addTask { (index, try await body(items[index])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var result: [T] = []
        result.reserveCapacity(count)
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
