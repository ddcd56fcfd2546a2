import KafkaProtocol
import Storage
import Testing

@testable import Broker

@Suite struct PartitionActivityTests {
    let tp = TopicPartition(topic: "t", partition: 0)

    @Test func aChangeAfterTheTokenEndsTheWaitAtOnce() async {
        let activity = PartitionActivity()
        let token = activity.token(for: [tp])
        activity.notify(tp)
        let clock = ContinuousClock()
        let elapsed = await clock.measure { await activity.wait(token, timeout: .seconds(600)) }
        // Had it slept, the test would hang for ten minutes; reaching here is the assertion.
        #expect(elapsed < .seconds(600))
    }

    @Test func aNotifyWakesAParkedWaiter() async throws {
        let activity = PartitionActivity()
        let tp = self.tp
        let token = activity.token(for: [tp])
        async let waited: Void = activity.wait(token, timeout: .seconds(600))
        try await Task.sleep(for: .milliseconds(20))
        activity.notify(tp)
        await waited
    }

    @Test func otherPartitionsDoNotWakeAWaiterBeforeItsTimeout() async {
        let activity = PartitionActivity()
        let token = activity.token(for: [tp])
        activity.notify(TopicPartition(topic: "t", partition: 1))
        let clock = ContinuousClock()
        let elapsed = await clock.measure { await activity.wait(token, timeout: .milliseconds(30)) }
        #expect(elapsed >= .milliseconds(30))
    }
}
