import Testing
import ZooKeeper

@testable import Broker

/// A replica's topic config is read again while ZooKeeper is away or the session is being replaced, never on the
/// broker's defaults; an error no reconnection mends is thrown rather than retried forever.
@Suite struct TopicConfigReadRetryTests {
    @Test func connectionAndSessionFailuresAreRetried() {
        for error: ZooKeeperError in [
            .connectionLoss, .operationTimeout, .sessionExpired, .sessionMoved, .closing, .closed, .invalidState,
            .connectionTimeout(milliseconds: 100),
        ] {
            #expect(KafkaServer.passesWithTheSession(error), "\(error)")
        }
    }

    @Test func errorsOfTheRequestItselfAreThrown() {
        for error: ZooKeeperError in [.badArguments, .noAuth, .authFailed, .marshallingError, .invalidACL, .noNode, .other(code: -999)] {
            #expect(!KafkaServer.passesWithTheSession(error), "\(error)")
        }
    }
}
