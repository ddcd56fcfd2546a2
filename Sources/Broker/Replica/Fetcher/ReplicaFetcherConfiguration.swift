import KafkaClient

/// How followers fetch from their leaders: the `replica.*` keys of `server.properties`, with Kafka's defaults.
struct ReplicaFetcherConfiguration: Sendable {
    /// `num.replica.fetchers`: fetchers (one connection each) per leader broker.
    var numFetchers: Int = 1
    /// `replica.fetch.wait.max.ms`: how long the leader may hold a fetch that finds fewer than `minBytes`.
    var maxWaitMs: Int32 = 500
    /// `replica.fetch.min.bytes`.
    var minBytes: Int32 = 1
    /// `replica.fetch.max.bytes`: asked for per partition (a larger first batch still comes whole, KIP-74).
    var maxBytesPerPartition: Int32 = 1_048_576
    /// `replica.fetch.response.max.bytes`: asked for per fetch response.
    var responseMaxBytes: Int32 = 10_485_760
    /// `replica.fetch.backoff.ms`: the pause after a failed fetch, for the partitions it failed for.
    var backoff: Duration = .seconds(1)
    /// `replica.socket.timeout.ms`: how long a fetch waits for its answer beyond `maxWait`.
    var socketTimeout: Duration = .seconds(30)
    /// The inter-broker connection template (`InterBrokerClient.connection`: TLS on SSL listeners).
    var connection = KafkaConnectionConfiguration()
    /// `replica.socket.receive.buffer.bytes` is accepted but not applied (the kernel's autotuning does better).

    var maxWait: Duration { .milliseconds(Int64(max(0, maxWaitMs))) }
}

/// A broker as a follower reaches it: its id and its endpoint on the inter-broker listener (Kafka's `BrokerEndPoint`).
struct BrokerEndPoint: Sendable, Hashable, CustomStringConvertible {
    var id: Int32
    var host: String
    var port: Int

    var description: String { "\(id) (\(host.contains(":") ? "[\(host)]" : host):\(port))" }
}

/// Where a follower starts fetching a partition (Kafka's `InitialFetchState`).
struct InitialFetchState: Sendable {
    var partition: Partition
    var leader: BrokerEndPoint
    var leaderEpoch: Int32
    var fetchOffset: Int64
}
