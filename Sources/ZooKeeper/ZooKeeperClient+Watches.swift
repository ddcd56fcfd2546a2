internal import CZooKeeper

/// One-shot watches, as ZooKeeper defines them: each fires at most once, for the first change after it was set.
///
/// Each stream yields at most one `WatchedEvent` and then finishes. It finishes *without* an event when the
/// session ends (expired or closed): no change will ever be reported through it. Across a mere disconnection the
/// C client re-registers watches by itself.
extension ZooKeeperClient {
    /// Data and stat, plus a watch for the node's next data change or deletion.
    public func getDataAndWatch(
        _ path: String
    ) async throws -> (data: [UInt8], stat: ZNodeStat, watch: AsyncStream<WatchedEvent>) {
        try ZooKeeperPath.require(path)
        let (id, watch) = core.registerWatch()
        do {
            let (data, stat): (data: [UInt8], stat: ZNodeStat) = try await core.perform { handle, context in
                zoo_awget(handle, path, nodeWatcherCallback, watchContext(id), Self.dataCompletion, context)
            }
            return (data, stat, watch)
        } catch {
            core.cancelWatch(id: id)
            throw error
        }
    }

    /// Children, plus a watch for the next child created or deleted (or the node's own deletion).
    public func getChildrenAndWatch(_ path: String) async throws -> (children: [String], watch: AsyncStream<WatchedEvent>) {
        try ZooKeeperPath.require(path)
        let (id, watch) = core.registerWatch()
        do {
            let children: [String] = try await core.perform { handle, context in
                zoo_awget_children(handle, path, nodeWatcherCallback, watchContext(id), Self.childrenCompletion, context)
            }
            return (children, watch)
        } catch {
            core.cancelWatch(id: id)
            throw error
        }
    }

    /// The stat (nil when absent), plus a watch for the node's creation, data change or deletion. Unlike the
    /// others this watch is set on a node that does not exist yet, which is how one waits for a node to appear.
    public func existsAndWatch(_ path: String) async throws -> (stat: ZNodeStat?, watch: AsyncStream<WatchedEvent>) {
        try ZooKeeperPath.require(path)
        let (id, watch) = core.registerWatch()
        do {
            let stat: ZNodeStat? = try await core.perform { handle, context in
                zoo_awexists(handle, path, nodeWatcherCallback, watchContext(id), Self.existsCompletion, context)
            }
            return (stat, watch)
        } catch {
            core.cancelWatch(id: id)
            throw error
        }
    }
}

private func watchContext(_ id: Int) -> UnsafeMutableRawPointer? {
    UnsafeMutableRawPointer(bitPattern: id)
}
