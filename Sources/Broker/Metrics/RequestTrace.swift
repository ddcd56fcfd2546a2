import Dispatch
import KafkaProtocol
import Synchronization

/// The timeline of one request, for Kafka's RequestMetrics: received -> started (queue time) -> answered (local
/// time, less what was spent parked in the purgatory: remote time) -> sent (response send time).
///
/// The connection handler creates it and binds it to the request's task (`RequestTrace.$current`), so the
/// dispatcher can name the request and the purgatory waits (acks=all, long-poll fetch) can add their time without
/// threading it through every call.
final class RequestTrace: Sendable {
    @TaskLocal static var current: RequestTrace?

    let receivedNs: UInt64
    let startedNs: UInt64
    private let state = Mutex<(name: String?, version: Int16, remoteNs: UInt64)>((nil, 0, 0))

    init(receivedNs: UInt64, startedNs: UInt64 = RequestTrace.nowNs()) {
        self.receivedNs = receivedNs
        self.startedNs = startedNs
    }

    /// The request's name in Kafka's RequestMetrics (`Produce`, `FetchConsumer`, `FetchFollower`, ...); nil until
    /// its header parsed (a frame that closes the connection is not counted, as in Kafka).
    var name: String? { state.withLock { $0.name } }
    var version: Int16 { state.withLock { $0.version } }
    var remoteNs: UInt64 { state.withLock { $0.remoteNs } }

    func identify(_ apiKey: ApiKey, version: Int16) {
        state.withLock { $0 = (apiKey.name ?? "Unknown", version, $0.remoteNs) }
    }

    /// Kafka names a fetch by who sent it: a follower (replica id >= 0) or a consumer.
    func identifyFetch(fromFollower: Bool) {
        state.withLock { $0.name = fromFollower ? "FetchFollower" : "FetchConsumer" }
    }

    /// Time spent waiting in the purgatory for other brokers or for data.
    func addRemote(since startNs: UInt64, now nowNs: UInt64 = RequestTrace.nowNs()) {
        let elapsed = nowNs >= startNs ? nowNs - startNs : 0
        state.withLock { $0.remoteNs &+= elapsed }
    }

    static func nowNs() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

extension RequestTrace {
    /// Runs `body` (a purgatory wait) and counts its time as remote time of the current request, if any.
    static func remote<T>(_ body: () async -> T) async -> T {
        guard let trace = current else { return await body() }
        let start = nowNs()
        let result = await body()
        trace.addRemote(since: start)
        return result
    }
}
