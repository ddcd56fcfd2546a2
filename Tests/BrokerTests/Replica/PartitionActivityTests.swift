import KafkaProtocol
import NIOCore
import NIOPosix
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
        #expect(activity.parkedCount == (0, 0))
    }

    @Test func aNotifyWakesAParkedWaiter() async throws {
        let activity = PartitionActivity()
        let tp = self.tp
        let token = activity.token(for: [tp])
        async let waited: Void = activity.wait(token, timeout: .seconds(600))
        #expect(await eventually { activity.parkedCount == (1, 1) })
        activity.notify(tp)
        await waited
        #expect(activity.parkedCount == (0, 0))
    }

    @Test func otherPartitionsDoNotWakeAWaiterBeforeItsTimeout() async {
        let activity = PartitionActivity()
        let token = activity.token(for: [tp])
        activity.notify(TopicPartition(topic: "t", partition: 1))
        let clock = ContinuousClock()
        let elapsed = await clock.measure { await activity.wait(token, timeout: .milliseconds(30)) }
        #expect(elapsed >= .milliseconds(30))
        #expect(activity.parkedCount == (0, 0))
    }

    /// Five waiters share a partition (more than fit without a set) and each also waits on one of its own: one
    /// notify of the shared partition wakes them all and leaves no registration behind.
    @Test func oneNotifyWakesEveryWaiterOfAPartition() async {
        let activity = PartitionActivity()
        let shared = tp
        await withTaskGroup(of: Void.self) { group in
            for own in 1...5 {
                let token = activity.token(for: [shared, TopicPartition(topic: "t", partition: Int32(own))])
                group.addTask { await activity.wait(token, timeout: .seconds(600)) }
            }
            #expect(await eventually { activity.parkedCount == (5, 6) })
            activity.notify(shared)
            await group.waitForAll()
        }
        #expect(activity.parkedCount == (0, 0))
    }

    @Test func cancellingAParkedWaitEndsIt() async {
        let activity = PartitionActivity()
        let token = activity.token(for: [tp])
        let waiting = Task { await activity.wait(token, timeout: .seconds(600)) }
        #expect(await eventually { activity.parkedCount == (1, 1) })
        waiting.cancel()
        await waiting.value
        #expect(activity.parkedCount == (0, 0))
    }

    /// A wait on an event loop (a Fetch, a follower fetcher) times out by a timer on that loop, and a wait whose
    /// loop shuts down while it is parked returns instead of hanging.
    @Test func waitsOnAnEventLoopTimeOutAndEndWithTheirLoop() async throws {
        let activity = PartitionActivity()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let executor = EventLoopTaskExecutor(group.next())
        let token = activity.token(for: [tp])
        let timedOut = Task(executorPreference: executor) {
            await activity.wait(token, timeout: .milliseconds(20))
            return MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
        }
        #expect(await timedOut.value == ObjectIdentifier(executor.eventLoop))
        #expect(activity.parkedCount == (0, 0))

        // Its task cannot run on the stopped loop any more, so only the registration is checked, not the task.
        Task(executorPreference: executor) { await activity.wait(token, timeout: .seconds(600)) }
        #expect(await eventually { activity.parkedCount == (1, 1) })
        try await group.shutdownGracefully()  // cancels the pending timer, which ends the wait
        #expect(await eventually { activity.parkedCount == (0, 0) })
    }

    /// A token is the change count and its keys: changes elsewhere, before or after it was taken, are not changes of
    /// its keys; a change of one of them is, however many changes came between.
    @Test func aTokenSeesChangesOfItsOwnPartitionsOnly() {
        let activity = PartitionActivity()
        let other = TopicPartition(topic: "u", partition: 0)
        activity.notify(tp)
        let token = activity.token(for: [tp, TopicPartition(topic: "t", partition: 1)])
        #expect(!activity.hasChanged(since: token))
        activity.notify(other)
        activity.notify(other)
        #expect(!activity.hasChanged(since: token))
        activity.notify(TopicPartition(topic: "t", partition: 1))
        activity.notify(other)
        #expect(activity.hasChanged(since: token))
        #expect(!activity.hasChanged(since: activity.token(for: [tp])))
    }

    /// `notifyAll` changes every key: it wakes every parked waiter, whatever its keys, and a token taken before it
    /// has changed, one taken after it (or renewed) has not.
    @Test func notifyAllWakesEveryWaiterAndChangesEveryKey() async {
        let activity = ActivitySignal<Int32>()
        let before = activity.token(for: [7])
        await withTaskGroup(of: Void.self) { group in
            for id in Int32(1)...3 {
                let token = activity.token(for: [id])
                group.addTask { await activity.wait(token, timeout: .seconds(600)) }
            }
            #expect(await eventually { activity.parkedCount == (3, 3) })
            activity.notifyAll()
            await group.waitForAll()
        }
        #expect(activity.parkedCount == (0, 0))
        #expect(activity.hasChanged(since: before))
        #expect(!activity.hasChanged(since: activity.token(renewing: before)))
        #expect(!activity.hasChanged(since: activity.token(for: [7])))
        let after = activity.token(for: [7])
        activity.notify(8)
        #expect(!activity.hasChanged(since: after))
    }

    /// A request may name a partition twice: one key is registered, a notify ends the wait once, and neither a
    /// notify nor a timeout leaves anything behind.
    @Test func aPartitionNamedTwiceIsOneKey() async {
        let activity = PartitionActivity()
        let tp = self.tp
        let token = activity.token(for: [tp, tp, tp])
        async let waited: Void = activity.wait(token, timeout: .seconds(600))
        #expect(await eventually { activity.parkedCount == (1, 1) })
        activity.notify(tp)
        await waited
        #expect(activity.parkedCount == (0, 0))

        let timedOut = activity.token(for: [tp, tp])
        await activity.wait(timedOut, timeout: .milliseconds(10))
        #expect(activity.parkedCount == (0, 0))
    }

    /// A wait on Swift's pool (an acks=all produce) times out through the reaper; one that a notify ends leaves
    /// nothing with it; and when the reaper's loop shuts down, the waits it holds end instead of hanging.
    @Test func waitsOnSwiftsPoolTimeOutThroughTheReaper() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let reaper = ExpirationReaper(loop: group.next())
        let activity = PartitionActivity(reaper: reaper)
        let tp = self.tp

        let clock = ContinuousClock()
        let elapsed = await clock.measure { await activity.wait(activity.token(for: [tp]), timeout: .milliseconds(30)) }
        #expect(elapsed >= .milliseconds(30))
        #expect(activity.parkedCount == (0, 0))
        #expect(reaper.count == 0)

        let notified = activity.token(for: [tp])
        async let woken: Void = activity.wait(notified, timeout: .seconds(600))
        #expect(await eventually { activity.parkedCount == (1, 1) && reaper.count == 1 })
        activity.notify(tp)
        await woken
        #expect(reaper.count == 0)

        let stranded = activity.token(for: [tp])
        async let ended: Void = activity.wait(stranded, timeout: .seconds(600))
        #expect(await eventually { reaper.count == 1 })
        try await group.shutdownGracefully()
        await ended
        #expect(activity.parkedCount == (0, 0))
        #expect(reaper.count == 0)
    }
}
