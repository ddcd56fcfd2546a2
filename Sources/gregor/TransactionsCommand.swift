import ArgumentParser
import Coordination
import Foundation
import KafkaClient
import Logging

/// `gregor transactions`: the transactional ids' coordinator state, read from ZooKeeper (`/transactions/<id>`, where
/// Gregor keeps what Kafka kept in `__transaction_state`), like `kafka-transactions.sh list` and `describe`.
struct TransactionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transactions",
        abstract: "List and describe transactional ids (like kafka-transactions.sh), from ZooKeeper.",
        discussion: """
            --list prints one line per transactional id: its producer id and epoch, state, the number of partitions in
            its open transaction, and AGE: how long the open transaction has run, or, with none open, how long since
            the id's last update. --describe --transactional-id <id> prints every field, the partitions and the
            consumer groups of the open transaction, and the coordinator. Example:
              gregor transactions --zookeeper 127.0.0.1:2181 --describe --transactional-id payments-1
            """)

    @OptionGroup var zooKeeper: ZooKeeperOptions

    @Flag(help: "List all transactional ids.") var list = false
    @Flag(help: "Describe one transactional id (--transactional-id).") var describe = false
    @Option(name: .customLong("transactional-id"), help: "The transactional id to describe.") var transactionalId: String?

    func validate() throws {
        guard list != describe else { throw ValidationError("exactly one of --list, --describe is needed") }
        if describe, (transactionalId ?? "").isEmpty { throw ValidationError("--describe needs --transactional-id") }
        if list, transactionalId != nil { throw ValidationError("--transactional-id goes with --describe") }
    }

    func run() async throws {
        try await reportingFailures {
            let zk = try await zooKeeper.connect()
            var logger = Logger(label: "gregor")
            logger.logLevel = .error
            let store = TransactionStore(session: { zk }, logger: logger)
            let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
            do {
                if list {
                    print(Self.listing(try await store.list().map(\.node), nowMs: nowMs))
                } else if let transactionalId {
                    guard let stored = try await store.load(transactionalId: transactionalId) else {
                        throw CommandFailure("Transactional id \(transactionalId) does not exist")
                    }
                    print(Self.description(stored.node, nowMs: nowMs))
                }
            } catch let error as TransactionStoreError {
                await zk.zooKeeper.close()
                throw CommandFailure("Error: \(error)")
            } catch {
                await zk.zooKeeper.close()
                throw error
            }
            await zk.zooKeeper.close()
        }
    }
}

extension TransactionsCommand {
    static let openStates: Set<String> = ["Ongoing", "PrepareCommit", "PrepareAbort", "PrepareEpochFence"]

    /// The `--list` table.
    static func listing(_ nodes: [TransactionZNode], nowMs: Int64) -> String {
        let header = ["TRANSACTIONAL-ID", "PRODUCER-ID", "EPOCH", "STATE", "PARTITIONS", "AGE"]
        return Table.render([header] + nodes.map { node in
            [node.transactionalId, String(node.producerId), String(node.producerEpoch), node.state,
             String(node.partitions.count), age(node, nowMs: nowMs)]
        })
    }

    /// The `--describe` output: the id's fields, then its open transaction's partitions and groups.
    static func description(_ node: TransactionZNode, nowMs: Int64) -> String {
        let header = [
            "TRANSACTIONAL-ID", "PRODUCER-ID", "EPOCH", "LAST-PRODUCER-ID", "LAST-EPOCH", "STATE", "TIMEOUT-MS",
            "START-TIME", "LAST-UPDATE", "AGE", "COORDINATOR", "COORDINATOR-EPOCH",
        ]
        let row = [
            node.transactionalId, String(node.producerId), String(node.producerEpoch), String(node.lastProducerId),
            String(node.lastProducerEpoch), node.state, String(node.timeoutMs), time(node.txnStartTimestampMs),
            time(node.txnLastUpdateTimestampMs), age(node, nowMs: nowMs), String(node.coordinator),
            String(node.coordinatorEpoch),
        ]
        var out = Table.render([header, row])
        let partitions = node.partitions.sorted()
        out += "\n\n" + (partitions.isEmpty ? "No partitions." : Table.render(
            [["TOPIC", "PARTITION"]] + partitions.map { [$0.topic, String($0.partition)] }))
        out += "\n\n" + (node.groups.isEmpty ? "No groups." : Table.render([["GROUP"]] + node.groups.sorted().map { [$0] }))
        return out
    }

    /// How long the open transaction has run, or since the last update when none is open; `-` when unknown.
    static func age(_ node: TransactionZNode, nowMs: Int64) -> String {
        let since = openStates.contains(node.state) ? node.txnStartTimestampMs : node.txnLastUpdateTimestampMs
        guard since >= 0, nowMs >= since else { return "-" }
        return duration(ms: nowMs - since)
    }

    /// `950ms`, `42s`, `3m07s`, `5h02m`, `8d03h`.
    static func duration(ms: Int64) -> String {
        let seconds = ms / 1000
        switch seconds {
        case ..<1: return "\(ms)ms"
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m" + twoDigits(seconds % 60) + "s"
        case ..<86_400: return "\(seconds / 3600)h" + twoDigits(seconds % 3600 / 60) + "m"
        default: return "\(seconds / 86_400)d" + twoDigits(seconds % 86_400 / 3600) + "h"
        }
    }

    private static func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : String(value) }

    /// A timestamp in ms as ISO 8601 UTC, `-` for none (-1).
    static func time(_ ms: Int64) -> String {
        guard ms >= 0 else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
