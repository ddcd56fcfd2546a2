import Storage
import Testing

/// Kafka's `LeaderEpochFileCache` rules, one line per transition.
@Suite("Leader epoch cache")
struct LeaderEpochCacheTests {
    private func cache(_ pairs: (Int32, Int64)...) -> LeaderEpochCache {
        LeaderEpochCache(pairs.map { EpochEntry(epoch: $0.0, startOffset: $0.1) })
    }

    private func entries(_ cache: LeaderEpochCache) -> [[Int64]] {
        cache.entries.map { [Int64($0.epoch), $0.startOffset] }
    }

    @Test func assignKeepsTheFirstOffsetOfEachEpoch() {
        var c = LeaderEpochCache()
        let changed1 = c.assign(epoch: 0, startOffset: 0)
        #expect(changed1)
        let changed2 = c.assign(epoch: 0, startOffset: 5)
        #expect(!changed2)
        let changed3 = c.assign(epoch: 2, startOffset: 10)
        #expect(changed3)
        #expect(entries(c) == [[0, 0], [2, 10]])
        #expect(c.latestEpoch == 2)
    }

    @Test func negativeEpochsAndOffsetsAreIgnored() {
        var c = cache((1, 0))
        let changed4 = c.assign(epoch: -1, startOffset: 5)
        #expect(!changed4)
        let changed5 = c.assign(epoch: 2, startOffset: -1)
        #expect(!changed5)
        #expect(entries(c) == [[1, 0]])
    }

    @Test func aNewEntryRemovesEntriesItMakesNonMonotonic() {
        var c = cache((1, 0), (3, 10), (5, 20))
        let changed6 = c.assign(epoch: 4, startOffset: 15)
        #expect(changed6)
        #expect(entries(c) == [[1, 0], [3, 10], [4, 15]])
        let changed7 = c.assign(epoch: 6, startOffset: 12)
        #expect(changed7)
        #expect(entries(c) == [[1, 0], [3, 10], [6, 12]])
        let changed8 = c.assign(epoch: 6, startOffset: 11)
        #expect(changed8)
        #expect(entries(c) == [[1, 0], [3, 10], [6, 11]])
    }

    @Test func truncateFromEndDropsEpochsStartingAtOrAfterTheEnd() {
        var c = cache((1, 0), (3, 10), (5, 20))
        let changed9 = c.truncateFromEnd(endOffset: 20)
        #expect(changed9)
        #expect(entries(c) == [[1, 0], [3, 10]])
        let changed10 = c.truncateFromEnd(endOffset: 15)
        #expect(!changed10)
        let changed11 = c.truncateFromEnd(endOffset: 0)
        #expect(changed11)
        #expect(c.entries.isEmpty)
    }

    @Test func truncateFromStartCollapsesCoveredEpochsIntoTheLastOfThem() {
        var c = cache((1, 0), (3, 10), (5, 20))
        let changed12 = c.truncateFromStart(startOffset: 15)
        #expect(changed12)
        #expect(entries(c) == [[3, 15], [5, 20]])
        let changed13 = c.truncateFromStart(startOffset: 15)
        #expect(!changed13)
        let changed14 = c.truncateFromStart(startOffset: 5)
        #expect(!changed14)
        let changed15 = c.truncateFromStart(startOffset: 25)
        #expect(changed15)
        #expect(entries(c) == [[5, 25]])
    }

    @Test func endOffsetOfTheLatestEpochIsTheLogEnd() {
        let c = cache((1, 0), (3, 10))
        #expect(c.endOffset(for: 3, logEndOffset: 42)! == (3, 42))
    }

    @Test func endOffsetOfAnOlderEpochIsTheStartOfTheNext() {
        let c = cache((1, 0), (3, 10), (5, 20))
        #expect(c.endOffset(for: 1, logEndOffset: 42)! == (1, 10))
        #expect(c.endOffset(for: 3, logEndOffset: 42)! == (3, 20))
    }

    @Test func anUnknownEpochBetweenTwoAnswersWithTheLargestBelowIt() {
        let c = cache((1, 0), (3, 10), (5, 20))
        #expect(c.endOffset(for: 2, logEndOffset: 42)! == (1, 10))
        #expect(c.endOffset(for: 4, logEndOffset: 42)! == (3, 20))
    }

    @Test func anEpochBelowAllAnswersWithItselfAndTheFirstStart() {
        let c = cache((3, 10), (5, 20))
        #expect(c.endOffset(for: 1, logEndOffset: 42)! == (1, 10))
    }

    @Test func undefinedAnswers() {
        #expect(cache((3, 10)).endOffset(for: -1, logEndOffset: 42) == nil)
        #expect(cache((3, 10)).endOffset(for: 4, logEndOffset: 42) == nil)
        #expect(LeaderEpochCache().endOffset(for: 0, logEndOffset: 0) == nil)
    }
}
