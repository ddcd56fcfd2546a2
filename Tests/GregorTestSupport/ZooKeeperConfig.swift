import Foundation

/// The files and command line of one private ZooKeeper server, as `environment.md` §2 found to work with
/// Debian's ZooKeeper 3.8: the plain `java` command (the packaged scripts ignore our directories and log
/// nothing), a log4j console appender so the log is useful, and no admin server (it would want port 8080).
struct ZooKeeperConfig: Sendable {
    let directory: URL
    let tickTimeMs: Int
    let maxSessionTimeoutMs: Int

    var dataDirectory: URL { directory.appendingPathComponent("data", isDirectory: true) }
    var configFile: URL { directory.appendingPathComponent("zoo.cfg") }
    var logFile: URL { directory.appendingPathComponent("zookeeper.log") }

    /// `conf` is whitelisted too: the fixture uses it to check that the server answering on the port is its own.
    static let fourLetterWords = "srvr,stat,ruok,mntr,cons,conf"

    /// Writes `zoo.cfg` for `port` (replacing any earlier one) and `log4j.properties`.
    func write(port: Int) throws {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let config = """
            tickTime=\(tickTimeMs)
            initLimit=10
            syncLimit=5
            dataDir=\(dataDirectory.path)
            clientPort=\(port)
            clientPortAddress=127.0.0.1
            maxClientCnxns=0
            minSessionTimeout=\(2 * tickTimeMs)
            maxSessionTimeout=\(maxSessionTimeoutMs)
            admin.enableServer=false
            4lw.commands.whitelist=\(Self.fourLetterWords)
            forceSync=no

            """
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        try Self.log4jProperties.write(
            to: directory.appendingPathComponent("log4j.properties"), atomically: true, encoding: .utf8)
    }

    private static let log4jProperties = """
        log4j.rootLogger=INFO, CONSOLE
        log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
        log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
        log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n

        """

    /// `java` and its arguments. Small heap, serial GC and C1 only: test servers hold little data, and
    /// several JVMs share two CPUs. No perf-data file, which a SIGKILLed JVM would leave in /tmp.
    func command() -> (java: URL, arguments: [String]) {
        let classPath = [
            directory.path, "/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-log4j12.jar",
            "/usr/share/java/log4j-1.2.jar",
        ].joined(separator: ":")
        let arguments = [
            "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
            "-Djava.io.tmpdir=\(directory.path)", "-Dzookeeper.jmx.log4j.disable=true",
            "-cp", classPath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", configFile.path,
        ]
        return (Self.javaExecutable(), arguments)
    }

    /// `$JAVA_HOME/bin/java`, else the first `java` on `PATH`, else Debian's `/usr/bin/java`.
    static func javaExecutable() -> URL {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let home = environment["JAVA_HOME"], !home.isEmpty { candidates.append("\(home)/bin/java") }
        for entry in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(entry)/java") }
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        return URL(fileURLWithPath: found ?? "/usr/bin/java")
    }
}
