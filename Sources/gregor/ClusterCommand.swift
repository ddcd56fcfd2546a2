import ArgumentParser
import Coordination
import Foundation
import KafkaClient

/// `gregor cluster`: the whole cluster on one screen (brokers, controller, topic and partition counts, under-replicated
/// and offline partitions, consumer groups' lag), from ZooKeeper or through a broker; `--watch` redraws it.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Show the cluster on one screen: brokers, controller, partitions in trouble, consumer groups' lag.",
        discussion: """
            Reads ZooKeeper (--zookeeper, --config, or conf/server.properties as other commands do), or with
            --bootstrap-server asks the brokers (Metadata, ListGroups, OffsetFetch), as Kafka's tools do; the controller
            epoch is only in ZooKeeper. A group's lag is the sum over its partitions of end offset - committed offset,
            the end offsets asked of the partition leaders (ListOffsets). Lists show the first \(ClusterSummary.listLimitDefault).
            --watch [seconds] redraws every 2 (or the given) seconds until interrupted; without a terminal it prints one
            snapshot per interval, separated by a blank line. Example:
              gregor cluster --bootstrap-server 127.0.0.1:9092 --watch 5
            """)

    @OptionGroup var zooKeeper: ZooKeeperOptions

    @Option(
        name: .customLong("bootstrap-server"),
        help: "Ask the brokers instead of ZooKeeper: host:port[,host:port...].")
    var bootstrapServer: String?

    @Option(name: .customLong("request-timeout-ms"), help: "How long to wait for each broker response.")
    var requestTimeoutMs = 10_000

    @Option(name: .customLong("command-config"), help: "Client properties (security.protocol, sasl.*, ssl.*) for the brokers' listeners: with --bootstrap-server for everything, with ZooKeeper for the consumer lags.")
    var commandConfig: String?

    @Flag(help: "Redraw every [seconds] (default 2) until interrupted.")
    var watch = false

    @Argument(help: "With --watch: seconds between snapshots.")
    var seconds: Double?

    func validate() throws {
        if bootstrapServer != nil, zooKeeper.connect != nil || zooKeeper.configFile != nil {
            throw ValidationError("--bootstrap-server excludes --zookeeper and --config")
        }
        if let bootstrapServer {
            do { _ = try BrokerAddress.parseList(bootstrapServer) } catch { throw ValidationError("--bootstrap-server: \(error)") }
        }
        if seconds != nil, !watch { throw ValidationError("a number of seconds needs --watch") }
        if let seconds, !(seconds > 0 && seconds <= 86_400) { throw ValidationError("--watch seconds must be in (0, 86400]") }
        guard requestTimeoutMs > 0 else { throw ValidationError("--request-timeout-ms must be positive") }
    }

    func run() async throws {
        try await reportingFailures {
            if let bootstrapServer {
                let options = try BootstrapOptions.parse(
                    ["--bootstrap-server", bootstrapServer, "--request-timeout-ms", String(requestTimeoutMs)]
                        + (commandConfig.map { ["--command-config", $0] } ?? []))
                try await withClient(options) { client in
                    try await show { try await ClusterSnapshot.read(client: client, source: "bootstrap server \(bootstrapServer)") }
                }
            } else {
                let zk = try await zooKeeper.connect()
                let source = "ZooKeeper \(try zooKeeper.resolvedConnectString())"
                do {
                    try await show { try await ClusterSnapshot.read(
                        zk: zk, source: source, requestTimeoutMs: requestTimeoutMs, commandConfig: commandConfig) }
                } catch {
                    await zk.zooKeeper.close()
                    throw error
                }
                await zk.zooKeeper.close()
            }
        }
    }

    /// Prints one snapshot, or with --watch one per interval. A snapshot that fails ends a single run; while
    /// watching, the error is shown in its place and the next interval tries again.
    private func show(_ snapshot: () async throws -> ClusterSummary) async throws {
        guard watch else {
            print(try await snapshotText(snapshot))
            return
        }
        let interval = seconds ?? 2
        let terminal = isatty(STDOUT_FILENO) == 1
        var first = true
        while !Task.isCancelled {
            let text: String
            do {
                text = try await snapshotText(snapshot)
            } catch let failure as CommandFailure {
                text = failure.description
            }
            if terminal {
                print("\u{1B}[H\u{1B}[2J", terminator: "")
                print("Every \(Self.seconds(interval)) s: gregor cluster    \(Self.now())\n")
            } else if !first {
                print()
            }
            print(text)
            fflush(nil)
            first = false
            try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
        }
    }

    private func snapshotText(_ snapshot: () async throws -> ClusterSummary) async throws -> String {
        do {
            return try await snapshot().text()
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("Error: cannot read the cluster: \(error)")
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    private static func now() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date())
    }
}
