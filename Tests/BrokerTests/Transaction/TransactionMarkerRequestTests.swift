import KafkaProtocol
import Testing

@testable import Broker

/// How the marker channel addresses WriteTxnMarkers and reads the answers.
@Suite struct TransactionMarkerRequestTests {
    let markers = TransactionMarkers(
        transactionalId: "tx", producerId: 42, producerEpoch: 3, coordinatorEpoch: 7, commit: true,
        partitions: [TopicPartition(topic: "b", partition: 1), TopicPartition(topic: "a", partition: 2)],
        groups: ["g2", "g1"])

    @Test func partitionsGoByTopicAndGroupsUnderConsumerOffsetsWithTheirIds() {
        let targets: [MarkerTarget] = [
            .partition(TopicPartition(topic: "b", partition: 1)), .group("g2"),
            .partition(TopicPartition(topic: "a", partition: 2)), .group("g1"),
        ]
        let request = TransactionMarkerChannelManager.request(markers, targets: targets)
        guard let marker = request.markers.first else { Issue.record("no marker"); return }
        #expect(request.markers.count == 1)
        #expect(marker.producerId == 42 && marker.producerEpoch == 3 && marker.coordinatorEpoch == 7)
        #expect(marker.transactionResult)
        #expect(marker.topics.map(\.name) == ["a", "b", "__consumer_offsets"])
        #expect(marker.topics.map(\.partitionIndexes) == [[2], [1], [0]])
        #expect(marker.groupIds == ["g1", "g2"])
    }

    @Test func partitionsOnlySendNoGroupTopic() {
        let request = TransactionMarkerChannelManager.request(
            markers, targets: [.partition(TopicPartition(topic: "a", partition: 2))])
        #expect(request.markers[0].topics.map(\.name) == ["a"])
        #expect(request.markers[0].groupIds.isEmpty)
    }

    @Test func theMarkerAndItsGroupIdsSurviveTheWire() throws {
        let request = TransactionMarkerChannelManager.request(
            markers, targets: [.group("g1"), .partition(TopicPartition(topic: "a", partition: 2))])
        var writer = KafkaWriter()
        try request.encode(into: &writer, version: 1)
        var reader = KafkaReader(buffer: writer.buffer)
        #expect(try WriteTxnMarkersRequest(from: &reader, version: 1) == request)
    }

    @Test func writtenOrSupersededMarkersAreDoneAndTheRestRetried() {
        #expect(TransactionMarkerChannelManager.isDone(.noError))
        #expect(TransactionMarkerChannelManager.isDone(.invalidProducerEpoch))
        #expect(TransactionMarkerChannelManager.isDone(.transactionCoordinatorFenced))
        #expect(!TransactionMarkerChannelManager.isDone(.notLeaderOrFollower))
        #expect(!TransactionMarkerChannelManager.isDone(.notEnoughReplicas))
        #expect(!TransactionMarkerChannelManager.isDone(.requestTimedOut))
        #expect(!TransactionMarkerChannelManager.isDone(.notCoordinator))
        #expect(!TransactionMarkerChannelManager.isDone(.unknownTopicOrPartition))
    }

    @Test func groupErrorsAreReadUnderConsumerOffsetsPartitionZero() {
        let response = WriteTxnMarkersResponse(markers: [
            .init(producerId: 42, topics: [
                .init(name: "a", partitions: [.init(partitionIndex: 2, errorCode: ErrorCode.notLeaderOrFollower.rawValue)]),
                .init(name: "__consumer_offsets", partitions: [.init(partitionIndex: 0, errorCode: 0)]),
            ])
        ])
        let errors = TransactionMarkerChannelManager.errors(response)
        #expect(errors[MarkerTarget.partition(TopicPartition(topic: "a", partition: 2)).responseKey] == .notLeaderOrFollower)
        #expect(errors[MarkerTarget.group("g1").responseKey] == .noError)
    }
}
