import KafkaProtocol
import Testing

@testable import Broker

/// KIP-227 on the follower: a full fetch that opens a session, then incremental ones that carry what changed.
@Suite struct FetchSessionHandlerTests {
    typealias Data = FetchSessionHandler.PartitionData

    static let a0 = TopicPartition(topic: "a", partition: 0)
    static let a1 = TopicPartition(topic: "a", partition: 1)
    static let b0 = TopicPartition(topic: "b", partition: 0)

    static func at(_ offset: Int64, epoch: Int32 = 1) -> Data {
        Data(fetchOffset: offset, logStartOffset: 0, currentLeaderEpoch: epoch, maxBytes: 1024)
    }

    /// A handler in session 9 of a0 and a1 at offset 0.
    static func inSession() -> FetchSessionHandler {
        var handler = FetchSessionHandler()
        let first = handler.build([a0: at(0), a1: at(0)])
        handler.handleResponse(to: first, errorCode: .noError, sessionId: 9)
        return handler
    }

    @Test func theFirstFetchIsFullAndAsksForASession() {
        let handler = FetchSessionHandler()
        let request = handler.build([Self.a0: Self.at(0), Self.a1: Self.at(5)])
        #expect(request.sessionId == 0 && request.epoch == 0 && request.isFull)
        #expect(request.toSend == [Self.a0: Self.at(0), Self.a1: Self.at(5)])
        #expect(request.forgotten.isEmpty)
    }

    @Test func incrementalFetchesCarryChangesAndForgottenPartitions() {
        var handler = Self.inSession()
        #expect(handler.sessionId == 9 && handler.epoch == 1)
        let unchanged = handler.build([Self.a0: Self.at(0), Self.a1: Self.at(0)])
        #expect(unchanged.sessionId == 9 && unchanged.epoch == 1 && unchanged.toSend.isEmpty && unchanged.forgotten.isEmpty)
        handler.handleResponse(to: unchanged, errorCode: .noError, sessionId: 9)
        #expect(handler.epoch == 2)
        // a0 moved on, a1 is paused, b0 is new.
        let changed = handler.build([Self.a0: Self.at(7), Self.b0: Self.at(0)])
        #expect(changed.epoch == 2)
        #expect(changed.toSend == [Self.a0: Self.at(7), Self.b0: Self.at(0)])
        #expect(changed.forgotten == [Self.a1])
        handler.handleResponse(to: changed, errorCode: .noError, sessionId: 9)
        #expect(handler.sessionPartitions == [Self.a0: Self.at(7), Self.b0: Self.at(0)])
        // A new leader epoch is a change too.
        #expect(handler.build([Self.a0: Self.at(7, epoch: 2), Self.b0: Self.at(0)]).toSend == [Self.a0: Self.at(7, epoch: 2)])
    }

    @Test func aFailureMakesTheNextFetchFullAndClosesTheOldSession() {
        var handler = Self.inSession()
        handler.handleError()
        let retry = handler.build([Self.a0: Self.at(3)])
        #expect(retry.isFull && retry.sessionId == 9, "names the old session so that the leader closes it")
        #expect(retry.toSend == [Self.a0: Self.at(3)])

        handler = Self.inSession()
        handler.handleResponse(to: handler.build([Self.a0: Self.at(0)]), errorCode: .invalidFetchSessionEpoch, sessionId: 0)
        #expect(handler.build([Self.a0: Self.at(0)]).isFull)

        handler = Self.inSession()
        handler.handleResponse(to: handler.build([Self.a0: Self.at(0)]), errorCode: .fetchSessionIdNotFound, sessionId: 0)
        let fresh = handler.build([Self.a0: Self.at(0)])
        #expect(fresh.isFull && fresh.sessionId == 0)
    }

    @Test func aDeclinedSessionKeepsEveryFetchFull() {
        var handler = FetchSessionHandler()
        let first = handler.build([Self.a0: Self.at(0)])
        handler.handleResponse(to: first, errorCode: .noError, sessionId: 0)
        let second = handler.build([Self.a0: Self.at(4)])
        #expect(second.isFull && second.sessionId == 0 && second.toSend == [Self.a0: Self.at(4)])
    }
}
