/// Continuous views built from one-shot watches: each re-arms its watch after every change, so a consumer sees the
/// current value first and then every later state (changes between a trigger and the re-read coalesce, as with any
/// ZooKeeper watch). Connection losses are ridden out; the stream throws `sessionExpired` or `closed` when the
/// session ends, because the owner must then rebuild whatever it derived from it.
extension ZooKeeperClient {
    /// The children of `path` (empty while it does not exist).
    public func watchChildren(_ path: String) -> AsyncThrowingStream<[String], any Error> {
        stream { client, yield in
            do {
                let (children, watch) = try await client.getChildrenAndWatch(path)
                yield(children)
                try await client.waitForEvent(on: watch)
            } catch ZooKeeperError.noNode {
                let (stat, watch) = try await client.existsAndWatch(path)
                if stat == nil { yield([]) }
                try await client.waitForEvent(on: watch)
            }
        }
    }

    /// The data and stat of `path`, or nil while it does not exist.
    public func watchNode(_ path: String) -> AsyncThrowingStream<(data: [UInt8], stat: ZNodeStat)?, any Error> {
        stream { client, yield in
            do {
                let (data, stat, watch) = try await client.getDataAndWatch(path)
                yield((data, stat))
                try await client.waitForEvent(on: watch)
            } catch ZooKeeperError.noNode {
                let (stat, watch) = try await client.existsAndWatch(path)
                if stat == nil { yield(nil) }
                try await client.waitForEvent(on: watch)
            }
        }
    }

    /// Suspends until the session is connected; throws once it has ended.
    public func waitUntilConnected() async throws {
        for await state in sessionStates() {
            switch state {
            case .connected: return
            case .expired: throw ZooKeeperError.sessionExpired
            case .closed: throw ZooKeeperError.closed
            case .authFailed: throw ZooKeeperError.authFailed
            case .connecting, .disconnected: continue
            }
        }
        throw ZooKeeperError.closed
    }

    /// Waits for a one-shot watch to fire. A watch that finishes without an event means the session ended: this
    /// throws `sessionExpired` or `closed` (or `CancellationError` when the waiting task was cancelled).
    @discardableResult
    public func waitForEvent(on watch: AsyncStream<WatchedEvent>) async throws -> WatchedEvent {
        for await event in watch { return event }
        try Task.checkCancellation()
        throw state == .expired ? ZooKeeperError.sessionExpired : ZooKeeperError.closed
    }

    /// Runs `round` (read, yield, wait for the watch) until the session ends or the consumer goes away.
    private func stream<Element: Sendable>(
        _ round: @escaping @Sendable (ZooKeeperClient, @Sendable (Element) -> Void) async throws -> Void
    ) -> AsyncThrowingStream<Element, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Element.self, throwing: (any Error).self)
        let task = Task { [self] in
            while !Task.isCancelled {
                do {
                    try await round(self) { continuation.yield($0) }
                } catch let error as ZooKeeperError where error.isRetryable {
                    do { try await waitUntilConnected() } catch {
                        continuation.finish(throwing: error)
                        return
                    }
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
