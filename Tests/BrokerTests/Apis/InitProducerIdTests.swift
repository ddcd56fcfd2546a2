import Coordination
import KafkaProtocol
import Testing
import ZooKeeper

@testable import Broker

/// What the InitProducerId handler refuses before asking for an id, and how it answers when no id can be had.
@Suite struct InitProducerIdTests {
    @Test func idempotentRequestsOfEveryShapeAreServed() {
        #expect(BrokerApis.initProducerIdRefusal(InitProducerIdRequest(transactionalId: nil)) == nil)
        // v3+: a producer resuming with its id and epoch (it gets a new id, as from Kafka 2.8).
        #expect(BrokerApis.initProducerIdRefusal(InitProducerIdRequest(transactionalId: nil, producerId: 7, producerEpoch: 2)) == nil)
    }

    @Test func emptyTransactionalIdsAndHalfPairsAreInvalidRequests() {
        // A transactional id goes on to its transaction coordinator; an empty one is refused, as in Kafka.
        #expect(BrokerApis.initProducerIdRefusal(InitProducerIdRequest(transactionalId: "tx-1")) == nil)
        #expect(BrokerApis.initProducerIdRefusal(InitProducerIdRequest(transactionalId: ""))?.errorCode == .invalidRequest)
        let halfPair = InitProducerIdRequest(transactionalId: nil, producerId: 7, producerEpoch: -1)
        #expect(BrokerApis.initProducerIdRefusal(halfPair)?.errorCode == .invalidRequest)
    }

    @Test func zooKeeperTroubleIsRetriableAndUsedUpIdsAreNot() {
        #expect(BrokerApis.initProducerIdErrorCode(for: ZooKeeperError.connectionLoss) == .coordinatorLoadInProgress)
        #expect(BrokerApis.initProducerIdErrorCode(for: ZooKeeperError.closed) == .coordinatorLoadInProgress)
        #expect(BrokerApis.initProducerIdErrorCode(for: ProducerIdManager.Failure.contended(attempts: 100)) == .coordinatorLoadInProgress)
        #expect(BrokerApis.initProducerIdErrorCode(for: ProducerIdManager.Failure.exhausted(lastId: .max)) == .unknownServerError)
        #expect(BrokerApis.initProducerIdErrorCode(for: ZkDataError.malformed(path: ZkPaths.latestProducerIdBlock, text: "?")) == .unknownServerError)
    }
}
