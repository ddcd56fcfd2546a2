import KafkaProtocol
import Testing

@testable import Broker

/// A Fetch's `max_wait_ms` comes from the wire: any Int32 must be usable, and none may park a fetch for longer
/// than `FetchParameters.maxWaitCap`.
@Suite struct FetchMaxWaitTests {
    private func parameters(maxWaitMs: Int32, minBytes: Int32 = 1, maxBytes: Int32 = 1 << 20) -> FetchParameters {
        FetchParameters(FetchRequest(replicaId: -1, maxWaitMs: maxWaitMs, minBytes: minBytes, maxBytes: maxBytes), fetchMaxBytes: 1 << 20)
    }

    @Test func hugeWaitsAreCappedAndNegativeOnesAreZero() {
        #expect(parameters(maxWaitMs: .max).maxWait == FetchParameters.maxWaitCap)
        #expect(FetchParameters.maxWaitCap == .seconds(30))
        #expect(parameters(maxWaitMs: 500).maxWait == .milliseconds(500))
        #expect(parameters(maxWaitMs: -1).maxWait == .zero)
        #expect(parameters(maxWaitMs: .min).maxWait == .zero)
        let negative = parameters(maxWaitMs: 0, minBytes: .min, maxBytes: .min)
        #expect(negative.minBytes == 0)
        #expect(negative.maxBytes == 0)
        #expect(parameters(maxWaitMs: 0, maxBytes: .max).maxBytes == 1 << 20)
    }

    @Test func aFetchAskingForInt32MaxReturnsAtTheCap() async throws {
        let fixture = try await ReplicaManagerFixture.make()
        defer { fixture.cleanUp() }
        let tp = TopicPartition(topic: "t", partition: 0)
        try await fixture.lead(tp)
        // A small cap stands for the 30 s one; uncapped, this fetch of an empty partition would wait 24 days.
        let capped = FetchParameters(
            FetchRequest(replicaId: -1, maxWaitMs: .max, minBytes: 1, maxBytes: 1 << 20), fetchMaxBytes: 1 << 20, maxWaitCap: .milliseconds(50))
        let results = await fixture.replicaManager.fetchMessages(
            capped, partitions: [FetchPartitionRequest(topicPartition: tp, fetchOffset: 0, maxBytes: 1 << 20)])
        #expect(results.first?.errorCode == .noError)
        #expect(results.first?.records == nil)
    }
}
