import Coordination
import KafkaClient

/// The web console on `metrics.listener`: server-rendered pages of the cluster, read-only unless
/// `console.admin.enable` is set.
struct WebConsole: HttpResponder {
    /// What the pages read: the sampler's history, this broker's metadata cache, the current ZooKeeper session
    /// (read-only browsing) and a Kafka client for actions and group descriptions.
    struct Context: Sendable {
        var brokerId: Int32
        var clusterId: String
        var adminEnabled: Bool
        var sampler: ClusterSampler
        var metadataCache: MetadataCache
        var zk: @Sendable () -> KafkaZkClient
        var client: KafkaClusterClient
    }

    let context: Context

    func respond(to request: HttpRequest) async -> HttpResponse? {
        guard request.path == "/" else { return nil }
        return .html("<!doctype html><title>Gregor</title><h1>Gregor broker \(context.brokerId)</h1>")
    }
}
