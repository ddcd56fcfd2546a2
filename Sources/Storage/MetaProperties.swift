import Foundation

/// The `meta.properties` file Kafka keeps in every log directory, in the ZooKeeper-mode format (version 0):
///
/// ```
/// #
/// #Tue Nov 24 11:38:55 UTC 2026
/// cluster.id=WZEKwK-bS62oT3ZOSU0dgw
/// version=0
/// broker.id=0
/// ```
///
/// It ties a directory's data to one broker of one cluster, so that a broker started with the wrong `broker.id`,
/// the wrong `zookeeper.connect`, or a data directory copied from another broker refuses to start instead of
/// serving (and replicating) someone else's partitions. The file name and keys are Kafka's, so directories move
/// between Kafka and Gregor unchanged.
public struct MetaProperties: Equatable, Sendable {
    public static let fileName = "meta.properties"
    /// ZooKeeper-mode brokers only understand version 0 (KRaft's version 1 stores `node.id` instead).
    public static let supportedVersion = 0

    public var version: Int
    public var brokerId: Int32
    /// Absent in files written by Kafka before 0.10.1, which had no cluster id.
    public var clusterId: String?

    public init(brokerId: Int32, clusterId: String?, version: Int = MetaProperties.supportedVersion) {
        self.version = version
        self.brokerId = brokerId
        self.clusterId = clusterId
    }

    /// The file's path inside `logDir`.
    public static func path(logDir: String) -> String {
        (logDir as NSString).appendingPathComponent(fileName)
    }

    /// Parses the file's text; `path` only names the file in errors. A missing `version` means 0, as in Kafka.
    public init(parsing text: String, path: String) throws(MetaPropertiesError) {
        let properties: [String: String]
        do {
            properties = try JavaProperties.parseDictionary(text)
        } catch {
            throw .malformed(path: path, reason: error.description)
        }
        let versionText = properties["version"] ?? "0"
        guard let version = Int(versionText.trimmingCharacters(in: .whitespaces)) else {
            throw .malformed(path: path, reason: "version '\(versionText)' is not a number")
        }
        guard version == Self.supportedVersion else {
            throw .unsupportedVersion(path: path, version: version)
        }
        guard let brokerIdText = properties["broker.id"] else {
            throw .malformed(path: path, reason: "broker.id is missing")
        }
        guard let brokerId = Int32(brokerIdText.trimmingCharacters(in: .whitespaces)) else {
            throw .malformed(path: path, reason: "broker.id '\(brokerIdText)' is not a number")
        }
        self.init(brokerId: brokerId, clusterId: properties["cluster.id"], version: version)
    }

    /// The file's text in Kafka's key order, stamped with `date` like `Properties.store` does.
    public func rendered(date: Date = Date()) -> String {
        var pairs: [(String, String)] = []
        if let clusterId { pairs.append(("cluster.id", clusterId)) }
        pairs.append(("version", String(version)))
        pairs.append(("broker.id", String(brokerId)))
        return JavaProperties.render(pairs, header: "", date: date)
    }

    /// The directory's stored identity, or nil when it has no `meta.properties` yet (a new directory).
    /// Like Kafka, first removes a `meta.properties.tmp` left behind by a crash during `write`.
    public static func read(logDir: String) throws(MetaPropertiesError) -> MetaProperties? {
        let path = path(logDir: logDir)
        let contents: Data?
        do throws(AtomicFile.Failure) {
            try AtomicFile.removeIfPresent(path + ".tmp")
            contents = try AtomicFile.contentsIfPresent(path)
        } catch {
            throw MetaPropertiesError(error)
        }
        guard let data = contents else { return nil }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .malformed(path: path, reason: "not UTF-8 text")
        }
        return try MetaProperties(parsing: text, path: path)
    }

    /// Replaces the directory's file atomically (creating the directory if needed): after a crash the directory
    /// holds either the old file or the new one, never a torn one.
    public func write(logDir: String) throws(MetaPropertiesError) {
        do throws(AtomicFile.Failure) {
            try AtomicFile.replace(Self.path(logDir: logDir), with: rendered())
        } catch {
            throw MetaPropertiesError(error)
        }
    }
}
