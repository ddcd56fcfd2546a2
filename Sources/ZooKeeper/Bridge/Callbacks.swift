import Logging
internal import CZooKeeper

// C callbacks of the ZooKeeper client. They run on the C client's own threads, so they are plain global,
// non-capturing, nonisolated closures; they hand off to Swift (a continuation, a stream) and return at once,
// because a slow callback delays every other completion and watch of the session.

/// The session's default watcher: its context is the `SessionCore`, and it only ever sees session events.
let sessionWatcherCallback: watcher_fn = { _, type, state, _, context in
    guard type == ZOO_SESSION_EVENT, let context else { return }
    Unmanaged<SessionCore>.fromOpaque(context).takeUnretainedValue().sessionEvent(cState: state)
}

/// The watcher of one-shot node watches: its context is the watch id. The C client also calls it for every session
/// event, which it ignores (the session watcher finishes pending watches when the session ends).
let nodeWatcherCallback: watcher_fn = { handle, type, _, path, context in
    guard type != ZOO_SESSION_EVENT, let handle, let coreContext = zoo_get_context(handle) else { return }
    let core = Unmanaged<SessionCore>.fromOpaque(coreContext).takeUnretainedValue()
    let id = Int(bitPattern: context)
    guard let event = WatchedEvent(type: type, path: path.map { String(cString: $0) } ?? "") else { return }
    core.fireWatch(id: id, event: event)
}

/// Routes the C client's log lines into swift-log at debug level: Gregor logs each state change itself, once,
/// with its meaning, instead of the C client's retry-by-retry lines.
let zooKeeperLogCallback: log_callback_fn = { message in
    guard let message else { return }
    CLibraryLog.logger.debug("\(String(cString: message))")
}

enum CLibraryLog {
    static let logger = Logger(label: "zookeeper.c")

    /// The C client's log level is process-global; set it once.
    static let configureOnce: Void = {
        zoo_set_debug_level(ZOO_LOG_LEVEL_WARN)
    }()
}
