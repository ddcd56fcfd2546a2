import NIOCore
import NIOPosix

/// The thread one `ReplicaFetcher` runs on, as each of Kafka's `ReplicaFetcherThread`s is a thread of its own: an
/// event loop that holds the fetcher's connection to the leader and is the executor of its fetch loop.
///
/// A response is read, decoded and appended, and the next Fetch built and written, all on this thread. Run on the
/// shared task pool with appends on the I/O threads, each round woke three other threads (the pool for the
/// response, an I/O thread for the append, the event loop for the next request), and the leader's high watermark,
/// which waits for the followers' next fetch, waited for all of them. A slow append blocks only this fetcher, as in
/// Kafka; nothing else runs here.
actor FetcherThread {
    let group: MultiThreadedEventLoopGroup
    nonisolated let eventLoop: any EventLoop

    nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.executor.asUnownedSerialExecutor() }

    init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
    }

    /// Stops the thread. Call once nothing runs on it or waits to resume on it.
    nonisolated func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
