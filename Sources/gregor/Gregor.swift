import ArgumentParser

/// `gregor`: the operator's command line (Kafka's `kafka-*.sh` tools in one binary).
@main
struct Gregor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gregor",
        abstract: "Operate a Gregor cluster.",
        subcommands: [
            TopicsCommand.self, ConfigsCommand.self, ReassignCommand.self, GroupsCommand.self, ProduceCommand.self,
            ConsumeCommand.self, ClusterCommand.self, PerfCommand.self, DeleteRecordsCommand.self, LogDirsCommand.self,
            AclsCommand.self, TransactionsCommand.self,
        ])
}
