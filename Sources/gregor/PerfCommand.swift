import ArgumentParser

/// `gregor perf`: measurements of Gregor's own parts on this machine, to compare with what the hardware can do
/// (see scripts/bench/).
struct PerfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perf",
        abstract: "Measure Gregor's throughput on this machine.",
        subcommands: [StoragePerfCommand.self])
}
