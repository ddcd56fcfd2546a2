import Testing

@testable import Broker

/// What the registry emits for the events the broker counts, in Prometheus' text format with Kafka's names.
@Suite struct BrokerMetricsTests {
    @Test func produceAndFetchAreCountedPerTopicAndForAllTopics() {
        let metrics = BrokerMetrics()
        metrics.topics.recordProduce(topic: "orders", records: 10, bytes: 1200)
        metrics.topics.recordProduce(topic: "orders", records: 5, bytes: 600)
        metrics.topics.recordProduce(topic: "audit", records: nil, bytes: 70)
        metrics.topics.recordConsumerFetch(topic: "orders", bytes: 1800, failed: false)
        metrics.topics.recordConsumerFetch(topic: "orders", bytes: 0, failed: true)
        let text = metrics.registry.emitToString()
        #expect(text.contains(#"kafka_server_brokertopicmetrics_messagesin_total{topic="orders"} 15"#))
        #expect(text.contains(#"kafka_server_brokertopicmetrics_messagesin_total{topic=""} 15"#))
        #expect(text.contains(#"kafka_server_brokertopicmetrics_bytesin_total{topic="orders"} 1800"#))
        #expect(text.contains(#"kafka_server_brokertopicmetrics_bytesrejected_total{topic="audit"} 70"#))
        #expect(text.contains(#"kafka_server_brokertopicmetrics_failedproducerequests_total{topic="audit"} 1"#))
        #expect(text.contains(#"kafka_server_brokertopicmetrics_totalproducerequests_total{topic=""} 3"#))
        #expect(text.contains(#"kafka_server_brokertopicmetrics_bytesout_total{topic="orders"} 1800"#))
        #expect(text.contains(#"kafka_server_brokertopicmetrics_failedfetchrequests_total{topic="orders"} 1"#))
        #expect(text.contains(#"kafka_server_brokertopicmetrics_totalfetchrequests_total{topic=""} 2"#))
    }

    @Test func aDeletedTopicsMetersDisappear() {
        let metrics = BrokerMetrics()
        metrics.topics.recordProduce(topic: "gone", records: 1, bytes: 80)
        metrics.topics.removeTopic("gone")
        let text = metrics.registry.emitToString()
        #expect(!text.contains(#"topic="gone""#))
        #expect(text.contains(#"kafka_server_brokertopicmetrics_messagesin_total{topic=""} 1"#))
    }

    @Test func requestTimesAddUpAndRemoteTimeIsThePurgatoryWait() {
        let metrics = BrokerMetrics()
        let ms: UInt64 = 1_000_000
        let trace = RequestTrace(receivedNs: 100 * ms, startedNs: 102 * ms)
        trace.identify(.produce, version: 8)
        trace.addRemote(since: 103 * ms, now: 108 * ms)  // 5 ms parked
        metrics.requests.record(trace, answeredNs: 110 * ms, sentNs: 111 * ms)
        let text = metrics.registry.emitToString()
        #expect(text.contains(#"kafka_network_requestmetrics_requests_total{request="Produce",version="8"} 1"#))
        #expect(text.contains(#"kafka_network_requestmetrics_totaltimems_sum{request="Produce"} 11.0"#))
        #expect(text.contains(#"kafka_network_requestmetrics_requestqueuetimems_sum{request="Produce"} 2.0"#))
        #expect(text.contains(#"kafka_network_requestmetrics_responsesendtimems_sum{request="Produce"} 1.0"#))
        #expect(trace.remoteNs == 5 * ms)
        #expect(text.contains(#"kafka_network_requestmetrics_remotetimems_sum{request="Produce"} 5.0"#))
        #expect(text.contains(#"kafka_network_requestmetrics_localtimems_sum{request="Produce"} 3.0"#))
        #expect(text.contains(#"kafka_network_requestmetrics_remotetimems_count{request="Produce"} 1"#))
    }

    @Test func fetchesAreNamedByWhoSentThem() {
        let metrics = BrokerMetrics()
        let trace = RequestTrace(receivedNs: 0, startedNs: 0)
        trace.identify(.fetch, version: 11)
        trace.identifyFetch(fromFollower: true)
        metrics.requests.record(trace, answeredNs: 0, sentNs: 0)
        let unnamed = RequestTrace(receivedNs: 0, startedNs: 0)
        metrics.requests.record(unnamed, answeredNs: 0, sentNs: 0)  // a frame that never parsed: not counted
        let text = metrics.registry.emitToString()
        #expect(text.contains(#"kafka_network_requestmetrics_requests_total{request="FetchFollower",version="11"} 1"#))
        #expect(!text.contains("Unknown"))
    }

    @Test func sessionStatesUseZooKeepersJavaNames() {
        #expect(BrokerGauges.kafkaSessionState(.connected) == "CONNECTED")
        #expect(BrokerGauges.kafkaSessionState(.disconnected) == "CONNECTING")
        #expect(BrokerGauges.kafkaSessionState(.expired) == "CLOSED")
        #expect(BrokerGauges.sessionStates.contains(BrokerGauges.kafkaSessionState(.authFailed)))
    }
}
