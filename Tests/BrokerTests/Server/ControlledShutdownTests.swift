import Coordination
import KafkaProtocol
import Logging
import Synchronization
import Testing

@testable import Broker

/// The broker's controlled shutdown loop: `controlled.shutdown.max.retries` attempts, success only when the
/// controller answers without error and with nothing left to move.
@Suite struct ControlledShutdownTests {
    private func run(maxRetries: Int, answers: [ControlledShutdown.Attempt]) async -> (succeeded: Bool, attempts: Int) {
        let calls = Mutex(0)
        let shutdown = ControlledShutdown(
            brokerId: 1, maxRetries: maxRetries, retryBackoff: .milliseconds(1),
            attempt: {
                let index = calls.withLock { count in
                    defer { count += 1 }
                    return count
                }
                return answers[min(index, answers.count - 1)]
            },
            logger: Logger(label: "test"))
        let succeeded = await shutdown.run()
        return (succeeded, calls.withLock { $0 })
    }

    @Test func succeedsWhenNothingRemains() async {
        let result = await run(maxRetries: 3, answers: [.answered(.completed(remaining: []))])
        #expect(result.succeeded)
        #expect(result.attempts == 1)
    }

    @Test func retriesWhilePartitionsRemainOrTheControllerIsAway() async {
        let result = await run(maxRetries: 3, answers: [
            .unreachable("connection refused"), .answered(.failed(.notController)),
            .answered(.completed(remaining: []))])
        #expect(result.succeeded)
        #expect(result.attempts == 3)
    }

    @Test func givesUpAfterMaxRetries() async {
        let result = await run(maxRetries: 2, answers: [.answered(.completed(remaining: [TopicPartition("t", 0)]))])
        #expect(!result.succeeded)
        #expect(result.attempts == 2)
    }

    @Test func anUnregisteredBrokerDoesNotRetry() async {
        let result = await run(maxRetries: 3, answers: [.notRegistered])
        #expect(!result.succeeded)
        #expect(result.attempts == 1)
    }

    @Test func zeroRetriesMeansNoAttempt() async {
        let result = await run(maxRetries: 0, answers: [.answered(.completed(remaining: []))])
        #expect(!result.succeeded)
        #expect(result.attempts == 0)
    }
}
