import ArgumentParser
import Broker
import Coordination
import Foundation
import Logging
import ZooKeeper

/// Where ZooKeeper is: `--zookeeper`, else `zookeeper.connect` of `--config`, else `conf/server.properties` when
/// it exists, else 127.0.0.1:2181.
struct ZooKeeperOptions: ParsableArguments {
    @Option(name: .customLong("zookeeper"), help: "ZooKeeper connect string (host:port[,host:port][/chroot]).")
    var connect: String?

    @Option(name: .customLong("config"), help: "Read zookeeper.connect from this server.properties.")
    var configFile: String?

    @Option(help: "Seconds to wait for a ZooKeeper connection.")
    var timeout: Int = 10

    func resolvedConnectString() throws -> String {
        if let connect { return connect }
        let file = configFile ?? (FileManager.default.fileExists(atPath: "conf/server.properties") ? "conf/server.properties" : nil)
        guard let file else { return "127.0.0.1:2181" }
        do {
            return try BrokerConfig.load(path: file).zookeeperConnect
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func connect() async throws -> KafkaZkClient {
        var logger = Logger(label: "gregor")
        logger.logLevel = .error
        let text = try resolvedConnectString()
        let connectString: ConnectString
        do { connectString = try ConnectString(parsing: text) } catch { throw ValidationError("\(error)") }
        do {
            let client = try await ZooKeeperClient.connect(
                to: connectString, sessionTimeout: .seconds(10), connectionTimeout: .seconds(timeout), logger: logger)
            return KafkaZkClient(client)
        } catch ZooKeeperError.connectionTimeout {
            throw CLIError("cannot reach ZooKeeper at \(connectString) within \(timeout) s")
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
