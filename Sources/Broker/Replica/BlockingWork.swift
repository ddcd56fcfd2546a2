import NIOPosix

extension NIOThreadPool {
    /// Runs blocking storage work (log appends, file reads) on `pool`, the broker's I/O threads, so it never holds a
    /// thread of the small task pool that serves requests. Without a pool (tests), or once it is shutting down with
    /// the broker, the work runs here instead of being dropped.
    static func runBlocking<T: Sendable>(on pool: NIOThreadPool?, _ body: @escaping @Sendable () -> T) async -> T {
        guard let pool else { return body() }
        do {
            return try await pool.runIfActive(body)
        } catch {
            return body()
        }
    }
}
