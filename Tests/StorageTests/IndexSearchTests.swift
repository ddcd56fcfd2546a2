import KafkaProtocol
import Foundation
import Testing

@testable import Storage

@Suite struct IndexSearchTests {
    /// Per test: Swift Testing makes a new suite instance for each test and keeps it alive until the test ends.
    private let dir: ScratchDirectory

    init() throws {
        dir = try ScratchDirectory("storage-index")
    }

    /// The greatest slot whose key is <= target, and the smallest whose key is >= target, by scanning everything.
    private func linearRange(_ keys: [Int64], _ target: Int64) -> IndexSlotRange {
        IndexSlotRange(lower: keys.lastIndex { $0 <= target }, upper: keys.firstIndex { $0 >= target })
    }

    private func randomAscendingKeys(count: Int, using generator: inout some RandomNumberGenerator) -> [Int64] {
        var key = Int64.random(in: 0...100, using: &generator)
        return (0..<count).map { _ in
            key += Int64.random(in: 1...50, using: &generator)
            return key
        }
    }

    @Test func emptyAndSingleEntry() {
        #expect(IndexSearch.slotRange(count: 0, warmEntries: 1024, target: 5) { _ in 0 } == IndexSlotRange())
        for (target, expected) in [(4, IndexSlotRange(lower: nil, upper: 0)), (5, .init(lower: 0, upper: 0)),
            (6, .init(lower: 0, upper: nil))] as [(Int64, IndexSlotRange)] {
            #expect(IndexSearch.slotRange(count: 1, warmEntries: 1024, target: target) { _ in 5 } == expected)
        }
    }

    /// Warm-section search, a plain binary search (no warm section) and a linear scan agree on every target,
    /// including targets in the cold part, exactly at entries, before the first and after the last.
    @Test(arguments: [1, 2, 682, 683, 1024, 1025, 1026, 5000])
    func warmAndColdSearchesAgreeWithALinearScan(count: Int) {
        var generator = SystemRandomNumberGenerator()
        let keys = randomAscendingKeys(count: count, using: &generator)
        var targets: [Int64] = [keys[0] - 1, keys[0], keys[count - 1], keys[count - 1] + 1, .min, .max]
        targets += (0..<2000).map { _ in Int64.random(in: (keys[0] - 5)...(keys[count - 1] + 5), using: &generator) }
        targets += keys.indices.filter { $0 % 7 == 0 }.map { keys[$0] }
        for target in targets {
            let expected = linearRange(keys, target)
            let warm = IndexSearch.slotRange(count: count, warmEntries: 8192 / 8, target: target) { keys[$0] }
            let timeWarm = IndexSearch.slotRange(count: count, warmEntries: 8192 / 12, target: target) { keys[$0] }
            let cold = IndexSearch.slotRange(count: count, warmEntries: 0, target: target) { keys[$0] }
            #expect(warm == expected, "warm search for \(target) among \(count)")
            #expect(timeWarm == expected, "time-index warm search for \(target) among \(count)")
            #expect(cold == expected, "plain search for \(target) among \(count)")
        }
    }

    /// The same through a real memory-mapped offset index far larger than its 1024-entry warm section.
    @Test func largeOffsetIndexLookupsMatchALinearScan() throws {
        var generator = SystemRandomNumberGenerator()
        let count = 5000
        let index = try OffsetIndex(
            file: dir.child("large.index"), baseOffset: 1000, maxIndexSizeBytes: count * OffsetPosition.sizeBytes)
        let offsets = randomAscendingKeys(count: count, using: &generator).map { $0 + 1000 }
        for (slot, offset) in offsets.enumerated() { try index.append(offset: offset, position: Int32(slot * 97)) }
        #expect(index.isFull)
        for _ in 0..<5000 {
            let target = Int64.random(in: 990...(offsets[count - 1] + 10), using: &generator)
            let slot = offsets.lastIndex { $0 <= target }
            let expected = slot.map { OffsetPosition(offset: offsets[$0], position: Int32($0 * 97)) }
                ?? OffsetPosition(offset: 1000, position: 0)
            #expect(index.lookup(targetOffset: target) == expected)
        }
    }

    /// Lookups run concurrently with appends and with trims and resizes that remap the file; every answer must be
    /// an entry that was written (position = 10 * relative offset) and not beyond the target.
    @Test func lookupsAreSafeDuringAppendsAndRemaps() async throws {
        let total = 20_000
        let index = try OffsetIndex(file: dir.child("busy.index"), baseOffset: 0, maxIndexSizeBytes: total * 8)
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for offset in 1...total {
                    try index.append(offset: Int64(offset), position: Int32(offset * 10))
                    if offset % 1000 == 0 {
                        try index.trimToValidSize()
                        try index.resize(toBytes: total * 8)
                    }
                }
                return 0
            }
            for _ in 0..<4 {
                group.addTask {
                    var bad = 0
                    var generator = SystemRandomNumberGenerator()
                    for _ in 0..<20_000 {
                        let target = Int64.random(in: 0...Int64(total + 10), using: &generator)
                        let found = index.lookup(targetOffset: target)
                        if found.offset > target || Int64(found.position) != found.offset * 10 { bad += 1 }
                    }
                    return bad
                }
            }
            var bad = 0
            for try await count in group { bad += count }
            #expect(bad == 0)
        }
        #expect(index.entries == total)
    }
}
