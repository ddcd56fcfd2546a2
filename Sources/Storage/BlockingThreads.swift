import Foundation
import Synchronization

/// Blocking file work (fsyncs, closes) spread over threads of its own, as Kafka's `LogManager` does with a fixed
/// pool of `num.recovery.threads.per.data.dir` threads per log directory: the calls wait on the disk, not on a CPU,
/// so they run side by side, and none of them holds one of Swift's few cooperative threads.
enum BlockingThreads {
    /// Calls `body` once for every item of every lane, each lane on at most `threadsPerLane` new threads, all lanes
    /// at once; returns when every call has, with the errors thrown per lane (in no particular order).
    static func forEach<Item: Sendable>(
        lanes: [[Item]], threadsPerLane: Int, name: String, _ body: @escaping @Sendable (Item) throws -> Void
    ) -> [[any Error]] {
        let queues = lanes.map { WorkQueue(items: $0) }
        let finished = DispatchGroup()
        for (lane, queue) in queues.enumerated() {
            for index in 0..<min(max(1, threadsPerLane), queue.items.count) {
                finished.enter()
                let thread = Thread {
                    defer { finished.leave() }
                    while let item = queue.next() {
                        do { try body(item) } catch { queue.failed(error) }
                    }
                }
                thread.name = "\(name)-\(lane)-\(index)"
                thread.start()
            }
        }
        finished.wait()
        return queues.map(\.errors)
    }

    /// One lane's items, handed out one at a time, and the errors its calls threw.
    private final class WorkQueue<Item: Sendable>: Sendable {
        let items: [Item]
        private let state = Mutex((next: 0, errors: [any Error]()))

        init(items: [Item]) { self.items = items }

        func next() -> Item? {
            state.withLock { state in
                guard state.next < items.count else { return nil }
                defer { state.next += 1 }
                return items[state.next]
            }
        }

        func failed(_ error: any Error) { state.withLock { $0.errors.append(error) } }

        var errors: [any Error] { state.withLock { $0.errors } }
    }
}
