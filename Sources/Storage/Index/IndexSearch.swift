/// The slots around a target in an index whose keys strictly ascend.
struct IndexSlotRange: Equatable {
    /// The slot of the greatest key <= target, nil when every key is greater (or the index is empty).
    var lower: Int?
    /// The slot of the smallest key >= target, nil when every key is smaller (or the index is empty).
    var upper: Int?
}

/// Kafka's cache-friendly binary search over an index (`AbstractIndex.indexSlotRangeFor`).
///
/// Index files are memory-mapped, so every entry a search touches is a page the kernel may have to read from disk.
/// Appends always go to the end of the index, and almost every lookup (in-sync followers, caught-up consumers) targets
/// an entry near the end too, so the pages at the end stay in the page cache. A plain binary search, however, first
/// probes the middle of the whole index, then a quarter, and so on: the pages it touches shift whenever the index
/// grows into a new page, and the newly probed pages have not been used for a long time. In Kafka's measurements
/// those page faults pushed acks=all produce latency from a few milliseconds to about one second.
///
/// So the search first checks whether the target lies in the "warm" section, the entries in the last 8192 bytes,
/// and if so searches only there. Every warm search touches the section's first, middle and last entries, and with
/// pages of at least 4 KiB (the smallest on every current CPU) that touches every page of the section, so the whole
/// warm section really stays warm. 8 KiB of offset index covers about 4 MiB of log at the default
/// `index.interval.bytes`, enough for nearly all in-sync lookups.
enum IndexSearch {
    /// Size of the warm section at the end of an index (Kafka's `8192` in `_warmEntries`).
    static let warmSectionBytes = 8192

    /// Slots around `target` among `count` entries whose keys (`key(slot)`) strictly ascend.
    ///
    /// - Parameter warmEntries: entries in the warm section (`warmSectionBytes / entrySizeBytes`); 0 gives a plain
    ///   binary search over the whole index (used by tests to compare both).
    static func slotRange(count: Int, warmEntries: Int, target: Int64, key: (Int) -> Int64) -> IndexSlotRange {
        guard count > 0 else { return IndexSlotRange(lower: nil, upper: nil) }
        let firstWarmSlot = max(0, count - 1 - warmEntries)
        if key(firstWarmSlot) < target {
            return binarySearch(from: firstWarmSlot, to: count - 1, count: count, target: target, key: key)
        }
        if key(0) > target {
            return IndexSlotRange(lower: nil, upper: 0)
        }
        return binarySearch(from: 0, to: firstWarmSlot, count: count, target: target, key: key)
    }

    /// Searches `low...high`, where `key(low) <= target`; finds the greatest slot whose key is <= target.
    /// Unlike Kafka, an exact match on `low` itself also reports `upper == low` (Kafka reports `low + 1` there, an
    /// upper bound that is valid but not the smallest).
    private static func binarySearch(
        from low: Int,
        to high: Int,
        count: Int,
        target: Int64,
        key: (Int) -> Int64
    ) -> IndexSlotRange {
        var low = low
        var high = high
        while low < high {
            // Rounds up so that `low = middle` always makes progress.
            let middle = low + (high - low + 1) / 2
            let found = key(middle)
            if found > target {
                high = middle - 1
            } else if found < target {
                low = middle
            } else {
                return IndexSlotRange(lower: middle, upper: middle)
            }
        }
        if key(low) == target {
            return IndexSlotRange(lower: low, upper: low)
        }
        return IndexSlotRange(lower: low, upper: low == count - 1 ? nil : low + 1)
    }
}
