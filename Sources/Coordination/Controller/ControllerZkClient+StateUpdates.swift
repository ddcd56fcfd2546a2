import KafkaProtocol
import ZooKeeper

/// New leader/ISR states written many per multi-op.
///
/// Kafka writes each state znode with its own request (a multi-op of the epoch check and one setData). A failover
/// of a 10,000-partition broker is then thousands of ZooKeeper transactions, each paying the server's and the
/// client's full cost for a few hundred bytes. Here up to `statesPerMultiOp` states share one transaction behind one
/// epoch check. All of a multi-op applies or none does: a step refused for its zkVersion (a leader changed that
/// ISR since it was read) or a missing znode is that partition's outcome, and the others go again without it.
extension ControllerZkClient {
    /// About 20 KB per multi-op with Kafka's state JSON, far below ZooKeeper's 1 MB request limit.
    static let statesPerMultiOp = 100

    /// Conditional writes of new leader/ISR states, each fenced by the controller epoch; outcomes in `updates`' order.
    func updatePartitionStates(_ updates: [PartitionStateUpdate]) async throws -> [(TopicPartition, PartitionStateUpdateOutcome)] {
        let chunks = stride(from: 0, to: updates.count, by: Self.statesPerMultiOp).map {
            Array(updates[$0..<min($0 + Self.statesPerMultiOp, updates.count)])
        }
        let outcomes = try await concurrentMap(chunks, limit: Self.pipelineDepth) { try await self.writeTogether($0) }
        return zip(updates.map(\.partition), outcomes.joined()).map { ($0, $1) }
    }

    /// One chunk: the multi-op is sent again without each step ZooKeeper refuses, until the rest applies.
    private func writeTogether(_ updates: [PartitionStateUpdate]) async throws -> [PartitionStateUpdateOutcome] {
        var outcomes = [PartitionStateUpdateOutcome?](repeating: nil, count: updates.count)
        var remaining = Array(updates.indices)
        let check = ZooKeeperOperation.check(path: ZkPaths.controllerEpoch, version: epoch.zkVersion)
        while !remaining.isEmpty {
            let steps = remaining.map { index -> ZooKeeperOperation in
                let update = updates[index]
                let path = ZkPaths.partitionState(topic: update.partition.topic, partition: update.partition.partition)
                let data = LeaderIsrAndControllerEpoch(update.leaderAndIsr, controllerEpoch: epoch.epoch).encoded()
                return .setData(path: path, data: data, version: update.leaderAndIsr.zkVersion)
            }
            do {
                let results = try await retrying { try await zk.zooKeeper.multi([check] + steps) }
                for (step, index) in remaining.enumerated() {
                    guard case .dataSet(let stat) = results[step + 1] else { preconditionFailure("multi-op results out of order") }
                    outcomes[index] = .updated(zkVersion: stat.version)
                }
                remaining = []
            } catch let refusal as ZooKeeperMultiError {
                guard refusal.index > 0 else { throw ControllerMovedError(epoch: epoch.epoch, epochZkVersion: epoch.zkVersion) }
                let refused = remaining.remove(at: refusal.index - 1)
                switch refusal.error {
                case .badVersion: outcomes[refused] = .badVersion
                case .noNode: outcomes[refused] = .noNode
                default: throw refusal.error
                }
            }
        }
        return outcomes.map { $0! }
    }
}
