import CoreMetrics
import Synchronization

/// Kafka's `BrokerTopicStats`: the BrokerTopicMetrics meters, once per topic (label `topic`) and once for all
/// topics (`topic=""`, the same as no label to Prometheus), as Kafka has them. Counted per partition append or read, never per record: the record count
/// comes from the batch offsets.
final class BrokerTopicStats: Sendable {
    struct Meters: Sendable {
        /// Records appended by producers on this leader (`MessagesInPerSec`).
        var messagesIn: Counter
        /// Producer bytes appended on this leader (`BytesInPerSec`); replication is counted apart.
        var bytesIn: Counter
        /// Bytes sent to consumers (`BytesOutPerSec`); follower fetches are counted apart.
        var bytesOut: Counter
        /// Producer bytes refused (`BytesRejectedPerSec`: a batch too large, corrupt or otherwise invalid).
        var bytesRejected: Counter
        var totalProduceRequests: Counter
        var failedProduceRequests: Counter
        var totalFetchRequests: Counter
        var failedFetchRequests: Counter

        init(topic: String?, factory: any MetricsFactory) {
            // The all-topics series has an empty topic label, which Prometheus treats as no label: the family
            // then has one label set throughout, as the registry requires.
            let dimensions = [("topic", topic ?? "")]
            func counter(_ name: String) -> Counter {
                Counter(label: "kafka_server_brokertopicmetrics_\(name)_total", dimensions: dimensions, factory: factory)
            }
            messagesIn = counter("messagesin")
            bytesIn = counter("bytesin")
            bytesOut = counter("bytesout")
            bytesRejected = counter("bytesrejected")
            totalProduceRequests = counter("totalproducerequests")
            failedProduceRequests = counter("failedproducerequests")
            totalFetchRequests = counter("totalfetchrequests")
            failedFetchRequests = counter("failedfetchrequests")
        }
    }

    let all: Meters
    /// `ReplicationBytesInPerSec` / `ReplicationBytesOutPerSec`: follower traffic, all topics only (as Kafka).
    let replicationBytesIn: Counter
    let replicationBytesOut: Counter
    private let factory: any MetricsFactory
    private let perTopic = Mutex<[String: Meters]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
        all = Meters(topic: nil, factory: factory)
        replicationBytesIn = Counter(label: "kafka_server_brokertopicmetrics_replicationbytesin_total", factory: factory)
        replicationBytesOut = Counter(label: "kafka_server_brokertopicmetrics_replicationbytesout_total", factory: factory)
    }

    func topic(_ topic: String) -> Meters {
        if let meters = perTopic.withLock({ $0[topic] }) { return meters }
        let created = Meters(topic: topic, factory: factory)
        return perTopic.withLock { topics in
            if let existing = topics[topic] { return existing }
            topics[topic] = created
            return created
        }
    }

    /// A producer's append to a partition this broker leads: `records` records in `bytes` bytes, or a refusal.
    func recordProduce(topic name: String, records: Int64?, bytes: Int) {
        let meters = topic(name)
        for target in [meters, all] {
            target.totalProduceRequests.increment()
            if let records {
                target.messagesIn.increment(by: records)
                target.bytesIn.increment(by: Int64(bytes))
            } else {
                target.failedProduceRequests.increment()
                target.bytesRejected.increment(by: Int64(bytes))
            }
        }
    }

    /// A consumer's read of one partition (`failed` for an error answer).
    func recordConsumerFetch(topic name: String, bytes: Int, failed: Bool) {
        let meters = topic(name)
        for target in [meters, all] {
            target.totalFetchRequests.increment()
            if failed { target.failedFetchRequests.increment() }
            if bytes > 0 { target.bytesOut.increment(by: Int64(bytes)) }
        }
    }

    /// Forgets a deleted topic's meters, as Kafka's `removeMetrics` does.
    func removeTopic(_ name: String) {
        guard let meters = perTopic.withLock({ $0.removeValue(forKey: name) }) else { return }
        for counter in [meters.messagesIn, meters.bytesIn, meters.bytesOut, meters.bytesRejected, meters.totalProduceRequests,
                        meters.failedProduceRequests, meters.totalFetchRequests, meters.failedFetchRequests] {
            counter.destroy()
        }
    }
}
