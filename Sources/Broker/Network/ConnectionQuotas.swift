import Storage
import Synchronization

/// Kafka's `ConnectionQuotas`: `max.connections` (broker-wide) and `max.connections.per.ip`, with per-address
/// exceptions in `max.connections.per.ip.overrides`, checked when a connection is accepted (`SocketServer`).
///
/// - Over the per-address limit, Kafka's acceptor closes the new socket at once with an info line; so does this.
/// - Over `max.connections`, Kafka's acceptor stops accepting on that listener until a connection closes, leaving
///   new clients in the listen backlog. Gregor closes the newest connection at once instead, with one info line.
///   Either way the connection is not served; closing gives the client an immediate error it retries after its
///   `reconnect.backoff.ms` rather than a connect that hangs until its own timeout, and needs no coordination of
///   the listening channel's reads across event loops. As in Kafka (KIP-402), connections on the inter-broker
///   listener are counted but never refused by `max.connections`, so replication and controller requests keep
///   working on a broker full of clients.
///
/// Every connection also takes a descriptor from the process's `FileDescriptorBudget`: past it the connection is
/// closed at once whatever the listener, because running out of descriptors kills the process. Client listeners stop
/// at the budget's headroom, the inter-broker listener only at its end.
///
/// Thread-safe: shared by every listener of the broker.
final class ConnectionQuotas: Sendable {
    struct Configuration: Sendable {
        /// `max.connections`.
        var maxConnections = Int(Int32.max)
        /// `max.connections.per.ip`.
        var maxConnectionsPerIp = Int(Int32.max)
        /// `max.connections.per.ip.overrides`, keyed by IP address as `SocketAddress.ipAddress` spells it.
        var maxConnectionsPerIpOverrides: [String: Int] = [:]
        /// The inter-broker listener, exempt from `max.connections`.
        var unlimitedListenerName: String?
        /// Where each connection's descriptor comes from.
        var descriptors: FileDescriptorBudget = .process
    }

    enum Refusal: Error, Equatable, CustomStringConvertible {
        case perIp(address: String, limit: Int)
        case broker(limit: Int)
        case descriptors(limit: Int)

        var description: String {
            switch self {
            case .perIp(let address, let limit):
                return "Rejected connection from \(address), address already has the configured maximum of \(limit) connections."
            case .broker(let limit):
                return "Rejected connection: the broker already has the configured maximum of \(limit) connections (max.connections)."
            case .descriptors(let limit):
                return "Rejected connection: the broker's open segment files and connections are at the \(limit) its descriptor limit allows (ulimit -n)."
            }
        }
    }

    private struct State {
        var total = 0
        var perIp: [String: Int] = [:]
    }

    private let settings: Mutex<Configuration>
    private let state = Mutex(State())

    init(_ configuration: Configuration) {
        settings = Mutex(configuration)
    }

    /// The limits in force.
    var configuration: Configuration { settings.withLock { $0 } }

    /// New limits (dynamic broker configs, Kafka's `ConnectionQuotas.updateMaxConnectionsPerIp` and
    /// `updateBrokerMaxConnections`): they apply to the next connection accepted; open connections stay open.
    func reconfigure(maxConnections: Int, maxConnectionsPerIp: Int, maxConnectionsPerIpOverrides: [String: Int]) {
        settings.withLock {
            $0.maxConnections = maxConnections
            $0.maxConnectionsPerIp = maxConnectionsPerIp
            $0.maxConnectionsPerIpOverrides = maxConnectionsPerIpOverrides
        }
    }

    /// Counts a new connection from `address` on `listenerName`, or refuses it (and counts nothing). Every
    /// accepted connection must be given back with `release(address:)` when it closes.
    func acquire(address: String, listenerName: String) -> Refusal? {
        let configuration = self.configuration
        let perIpLimit = configuration.maxConnectionsPerIpOverrides[address] ?? configuration.maxConnectionsPerIp
        let exempt = listenerName == configuration.unlimitedListenerName
        return state.withLock { state -> Refusal? in
            let fromAddress = state.perIp[address, default: 0]
            if fromAddress >= perIpLimit { return .perIp(address: address, limit: perIpLimit) }
            if !exempt, state.total >= configuration.maxConnections { return .broker(limit: configuration.maxConnections) }
            let use: FileDescriptorBudget.Use = exempt ? .existingConsumer : .newConsumer
            guard configuration.descriptors.tryAcquire(use) else {
                return .descriptors(limit: configuration.descriptors.ceiling(for: use))
            }
            state.perIp[address] = fromAddress + 1
            state.total += 1
            return nil
        }
    }

    func release(address: String) {
        state.withLock { state in
            guard let count = state.perIp[address], count > 0 else {
                preconditionFailure("released a connection from \(address) that was not acquired")
            }
            state.perIp[address] = count == 1 ? nil : count - 1
            state.total -= 1
        }
        configuration.descriptors.release()
    }

    /// Open connections, broker-wide.
    var count: Int { state.withLock { $0.total } }

    func count(address: String) -> Int { state.withLock { $0.perIp[address, default: 0] } }
}
