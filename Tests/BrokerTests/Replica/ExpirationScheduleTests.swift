import Testing

@testable import Broker

@Suite struct ExpirationScheduleTests {
    @Test func onlyAnEarlierDeadlineArmsTheTimer() throws {
        var schedule = ExpirationSchedule<UInt64>()
        let firstArm = schedule.add(1, deadlineNs: 100, 1)
        let first = try #require(firstArm)
        #expect(first.deadlineNs == 100)
        let later = schedule.add(2, deadlineNs: 150, 2)
        let same = schedule.add(3, deadlineNs: 100, 3)
        #expect(later == nil)
        #expect(same == nil)
        let earlierArm = schedule.add(4, deadlineNs: 50, 4)
        let earlier = try #require(earlierArm)
        #expect(earlier.deadlineNs == 50)
        #expect(earlier.generation != first.generation)
        #expect(schedule.armed == earlier)
    }

    @Test func firingEndsWhatIsDueAndArmsForTheNextLiveDeadline() throws {
        var schedule = ExpirationSchedule<UInt64>()
        let armArm = schedule.add(1, deadlineNs: 100, 1)
        let arm = try #require(armArm)
        _ = schedule.add(2, deadlineNs: 100, 2)
        _ = schedule.add(3, deadlineNs: 200, 3)
        _ = schedule.add(4, deadlineNs: 300, 4)
        schedule.remove(3)
        let fired = schedule.fire(generation: arm.generation, nowNs: 120)
        #expect(fired.due.sorted() == [1, 2])
        // 3 ended early: the timer skips its deadline.
        #expect(fired.next?.deadlineNs == 300)
        let next = try #require(fired.next)
        let last = schedule.fire(generation: next.generation, nowNs: 300)
        #expect(last.due == [4])
        #expect(last.next == nil)
        #expect(schedule.armed == nil)
        #expect(schedule.count == 0)
        #expect(schedule.heldCount == 0)
    }

    @Test func aReplacedTimerDoesNothingWhenItFires() throws {
        var schedule = ExpirationSchedule<UInt64>()
        let lateArm = schedule.add(1, deadlineNs: 500, 1)
        let late = try #require(lateArm)
        let earlyArm = schedule.add(2, deadlineNs: 100, 2)
        let early = try #require(earlyArm)
        let stale = schedule.fire(generation: late.generation, nowNs: 600)
        #expect(stale.due.isEmpty)
        #expect(stale.next == nil)
        #expect(schedule.count == 2)
        let fired = schedule.fire(generation: early.generation, nowNs: 600)
        #expect(fired.due.sorted() == [1, 2])
    }

    @Test func aWaitEndedEarlyIsNotDue() throws {
        var schedule = ExpirationSchedule<UInt64>()
        let armArm = schedule.add(1, deadlineNs: 100, 1)
        let arm = try #require(armArm)
        let removed = schedule.remove(1)
        let again = schedule.remove(1)
        #expect(removed == 1)
        #expect(again == nil)
        let fired = schedule.fire(generation: arm.generation, nowNs: 1_000)
        #expect(fired.due.isEmpty)
        #expect(fired.next == nil)
    }

    /// Waits that end early leave dead entries behind (removal is lazy), but never more than about twice the live
    /// ones plus the slack: a steady stream of acks=all waits does not grow the heap.
    @Test func deadEntriesAreBounded() {
        var schedule = ExpirationSchedule<UInt64>()
        _ = schedule.add(0, deadlineNs: 1, 0)  // stays live throughout
        for id in UInt64(1)...50_000 {
            _ = schedule.add(id, deadlineNs: 1_000 + id, id)
            #expect(schedule.heldCount <= 2 * schedule.count + ExpirationSchedule<UInt64>.compactionSlack)
            schedule.remove(id)
        }
        #expect(schedule.count == 1)
    }
}
