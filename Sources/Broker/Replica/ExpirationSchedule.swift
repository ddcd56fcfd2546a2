import HeapModule

/// The deadlines of parked waits that one timer ends, each with what to call when it is due (the decisions of
/// `ExpirationReaper`; no clock, no thread).
///
/// Nearly every acks=all wait ends long before its deadline, when its followers catch up. A timer armed and
/// cancelled per wait costs two wake-ups of the timer's thread each time; here adding a wait arms nothing unless its
/// deadline is the earliest, and removing one only forgets it. Its entry stays in the heap until it reaches the
/// top, or until dead entries outnumber the live ones and the heap is rebuilt (Kafka's timing wheel cancels the same
/// lazy way). The timer then fires about once per request timeout under a steady load, not twice per request.
struct ExpirationSchedule<Payload> {
    private struct Entry: Comparable {
        var deadlineNs: UInt64
        var id: UInt64

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.deadlineNs, lhs.id) < (rhs.deadlineNs, rhs.id)
        }
    }

    /// A timer to arm: its deadline, and the generation that tells it from timers armed before it.
    struct Arm: Equatable {
        var deadlineNs: UInt64
        var generation: UInt64
    }

    /// Live and dead entries; an entry is live while `live[id]` holds its deadline.
    private var heap = Heap<Entry>()
    private var live: [UInt64: (deadlineNs: UInt64, payload: Payload)] = [:]
    /// The timer that counts, if one is armed. A timer replaced by an earlier one is left to fire, and does nothing.
    private(set) var armed: Arm?
    private var generations: UInt64 = 0

    /// A rebuild drops dead entries once there are this many beyond twice the live ones.
    static var compactionSlack: Int { 1024 }

    var count: Int { live.count }
    /// Entries held, dead ones included (tests: removal is lazy, and bounded).
    var heldCount: Int { heap.count }

    /// Adds wait `id`, due at `deadlineNs`. Returns the timer to arm when none is armed or the one armed fires too
    /// late (nil: it fires in time).
    mutating func add(_ id: UInt64, deadlineNs: UInt64, _ payload: Payload) -> Arm? {
        live[id] = (deadlineNs, payload)
        heap.insert(Entry(deadlineNs: deadlineNs, id: id))
        if heap.count > 2 * live.count + Self.compactionSlack {
            heap = Heap(live.map { Entry(deadlineNs: $0.value.deadlineNs, id: $0.key) })
        }
        if let armed, armed.deadlineNs <= deadlineNs { return nil }
        return arm(deadlineNs)
    }

    /// Forgets wait `id` (it ended otherwise). Nothing is re-armed: a timer left for it fires and finds nothing.
    /// Returns its payload if it was live.
    @discardableResult
    mutating func remove(_ id: UInt64) -> Payload? {
        live.removeValue(forKey: id)?.payload
    }

    /// Forgets every wait and returns their payloads (the timer's loop is gone). Generations go on, so a timer armed
    /// before does nothing should it fire.
    mutating func removeAll() -> [Payload] {
        defer {
            live = [:]
            heap = Heap()
            armed = nil
        }
        return live.values.map(\.payload)
    }

    /// Timer `generation` fired at `nowNs`: the payloads of the waits due (removed here), and the timer to arm next
    /// (nil: nothing is left to wait for, or this timer had been replaced and the one that replaced it is still armed).
    mutating func fire(generation: UInt64, nowNs: UInt64) -> (due: [Payload], next: Arm?) {
        guard armed?.generation == generation else { return ([], nil) }
        armed = nil
        var due: [Payload] = []
        while let top = heap.min {
            guard live[top.id]?.deadlineNs == top.deadlineNs else {
                _ = heap.removeMin()
                continue
            }
            guard top.deadlineNs <= nowNs else { break }
            _ = heap.removeMin()
            if let wait = live.removeValue(forKey: top.id) { due.append(wait.payload) }
        }
        return (due, heap.min.map { arm($0.deadlineNs) })
    }

    private mutating func arm(_ deadlineNs: UInt64) -> Arm {
        generations += 1
        let next = Arm(deadlineNs: deadlineNs, generation: generations)
        armed = next
        return next
    }
}
