import KafkaProtocol

/// How many partition replicas one broker may host: each needs at least one open segment file, and a broker out
/// of file descriptors cannot run (`FileDescriptorBudget`), so topic creation and new partitions that would put
/// more replicas on a broker than that are refused before anything is written (the idea of KIP-578's
/// `max.broker.partitions`, here derived from the brokers' `ulimit -n`). A broker that still gets more (assignments
/// written to ZooKeeper by hand, a lower limit after a restart) answers KAFKA_STORAGE_ERROR for the replicas it
/// cannot open, and the controller takes them offline.
public struct BrokerReplicaLimit: Sendable {
    /// Replicas one broker may host; brokers are assumed to share this broker's limit.
    public var maxReplicasPerBroker: Int
    /// Replicas each broker hosts now, as the metadata this broker holds says.
    public var currentReplicas: @Sendable () -> [Int32: Int]

    public init(maxReplicasPerBroker: Int, currentReplicas: @escaping @Sendable () -> [Int32: Int]) {
        self.maxReplicasPerBroker = maxReplicasPerBroker
        self.currentReplicas = currentReplicas
    }

    /// Refuses `added` (new partitions' replica lists) with POLICY_VIOLATION when a broker would pass the limit.
    public func check(adding added: some Collection<[Int32]>) throws(AdminError) {
        var adding: [Int32: Int] = [:]
        for replicas in added {
            for broker in replicas { adding[broker, default: 0] += 1 }
        }
        guard !adding.isEmpty else { return }
        let current = currentReplicas()
        for (broker, count) in adding.sorted(by: { $0.key < $1.key }) {
            let total = current[broker, default: 0] + count
            if total > maxReplicasPerBroker {
                throw AdminError(
                    code: .policyViolation,
                    message: "Broker \(broker) would host \(total) partition replicas, more than the \(maxReplicasPerBroker) its open file limit allows (ulimit -n); each replica keeps at least one segment file open.")
            }
        }
    }
}
