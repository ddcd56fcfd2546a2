import ArgumentParser
import Foundation
import GregorFuzz
import Glibc

/// `gregor-fuzz`: sends structure-aware, damaged requests to a running broker and reports crashes, hangs and the
/// broker's memory; `--replay` sends saved reproducers again.
@main
struct GregorFuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gregor-fuzz",
        abstract: "Fuzz a Gregor (or Kafka) broker's wire protocol with requests built from the schemas, then damaged.")

    @Option(help: "The broker to fuzz (host:port, an IPv4 address).")
    var bootstrap = "127.0.0.1:9092"
    @Option(help: "The broker's process id: a crash is told from a closed connection by it, and its RSS is reported.")
    var pid: Int32?
    @Option(help: "How many inputs to send.")
    var inputs = 100_000
    @Option(help: "Index of the first input (to resume or reproduce a range).")
    var first = 0
    @Option(help: "The campaign's seed: the same seed and index give the same input.")
    var seed: UInt64 = 1
    @Option(help: "Connections (worker threads).")
    var connections = 8
    @Option(help: "The directory of the protocol's .schema files.")
    var schemas = "Sources/KafkaProtocol/Schema"
    @Option(help: "Comma-separated topic names requests mostly use (create them first).")
    var topics = "fuzz-0,fuzz-1,fuzz-2"
    @Option(help: "Where reproducers of failures are written.")
    var out = "fuzz-failures"
    @Option(help: "Seconds without an answer, even to a following ApiVersions, that count as a hang.")
    var hangTimeout: Int32 = 150
    @Option(parsing: .upToNextOption, help: "Reproducer files to send once each (one connection per file), instead of a campaign.")
    var replay: [String] = []

    func run() throws {
        let (host, port) = try parseBootstrap()
        if !replay.isEmpty { return try replayFiles(host: host, port: port) }
        let catalog = try RequestCatalog.load(directory: URL(fileURLWithPath: schemas))
        let factory = FuzzInputFactory(catalog: catalog, seed: seed, topics: topics.split(separator: ",").map(String.init))
        let pid = self.pid
        let campaign = FuzzCampaign(
            host: host, port: port, connections: max(1, connections), hangTimeoutMs: hangTimeout * 1000,
            isAlive: { pid.map { kill($0, 0) == 0 } ?? true },
            rssKiB: { pid.flatMap(BrokerProcessStatus.rssKiB) },
            progress: { done in if done % 100_000 == 0 { print("… \(done) inputs") } })
        print("fuzzing \(bootstrap) with \(inputs) inputs from #\(first), seed \(seed), \(catalog.apis.count) request types, \(connections) connections")
        let start = Date()
        let report = campaign.run(factory, inputs: inputs, from: first)
        print(report.summary(seconds: Date().timeIntervalSince(start)))
        let files = try report.writeReproducers(to: URL(fileURLWithPath: out))
        for file in files {
            print("reproducer: \(file.path)  (gregor-fuzz --bootstrap \(bootstrap) --replay \(file.path))")
        }
        if report.crash != nil || !report.hangs.isEmpty { throw ExitCode(1) }
    }

    private func parseBootstrap() throws -> (String, Int) {
        guard let colon = bootstrap.lastIndex(of: ":"), let port = Int(bootstrap[bootstrap.index(after: colon)...]),
            (1...65535).contains(port)
        else { throw ValidationError("--bootstrap must be host:port") }
        return (String(bootstrap[..<colon]), port)
    }

    private func replayFiles(host: String, port: Int) throws {
        for path in replay {
            let frame = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let outcome = FuzzReplay.send(frame, host: host, port: port)
            print("\(path): \(outcome)")
        }
    }
}
