import Coordination
import KafkaClient
import Synchronization
import ZooKeeper

/// The web console on `metrics.listener`: server-rendered pages of the cluster, read-only unless
/// `console.admin.enable` is set.
///
/// Pages read the sampler's history (taken every 5 s off the request path); only the ZooKeeper browser, the
/// overview's epochs (cached per sample) and a group's DescribeGroups ask anything at request time. The renderers
/// (`ConsolePage+*.swift`) are pure; this type routes and does the I/O.
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

    /// The overview's ZooKeeper reads, kept for the sample they were read with.
    final class EpochCache: Sendable {
        let value = Mutex<(sampleTimeMs: Int64, epochs: ClusterEpochs)?>(nil)
    }

    static let readOnlyMessage =
        "The console is read-only: set console.admin.enable=true on this broker to create topics or reset offsets.\n"

    let context: Context
    let epochCache = EpochCache()

    init(context: Context) {
        self.context = context
    }

    func respond(to request: HttpRequest) async -> HttpResponse? {
        let isRead = request.method == "GET" || request.method == "HEAD"
        if isRead, let asset = ConsoleAssets.respond(to: request.path) { return asset }
        guard let route = ConsoleRoute(path: request.path) else { return nil }
        switch request.method {
        case "GET", "HEAD":
            return await page(route, request)
        case "POST":
            return await action(route, request)
        default:
            return HttpResponse(
                status: 405, contentType: "text/plain; charset=utf-8", headers: [("Allow", "GET, HEAD, POST")],
                body: Array("Method \(request.method) not allowed\n".utf8))
        }
    }

    func frame(_ request: HttpRequest) -> ConsolePage.Frame {
        ConsolePage.Frame(
            brokerId: context.brokerId, clusterId: context.clusterId, adminEnabled: context.adminEnabled,
            notice: request.parameters["notice"].flatMap { $0.isEmpty ? nil : $0 },
            error: request.parameters["error"].flatMap { $0.isEmpty ? nil : $0 })
    }

    private func page(_ route: ConsoleRoute, _ request: HttpRequest) async -> HttpResponse {
        let history = ConsoleHistory(latest: context.sampler.latest, points: context.sampler.samples)
        let frame = frame(request)
        switch route {
        case .overview:
            let epochs = await epochs(for: history.latest)
            return .html(ConsolePage.overview(history: history, epochs: epochs).render(frame))
        case .topics:
            return .html(ConsolePage.topics(history: history, adminEnabled: context.adminEnabled).render(frame))
        case .topic(let name):
            if let page = ConsolePage.topic(name, history: history) { return .html(page.render(frame)) }
            let body = "<h1>Topic <span class=\"name\">\(Html.escape(name))</span></h1>"
                + "<p class=\"error\">No topic named \(Html.escape(name)) in the latest sample (a topic created just now "
                + "appears within \(ConsolePage.refreshSeconds) s).</p>"
            return .html(ConsolePage(title: "Topic \(name)", section: .topics, body: body).render(frame), status: 404)
        case .groups:
            let listings = try? await context.client.listGroups()
            return .html(ConsolePage.groups(history: history, listings: listings).render(frame))
        case .group(let id):
            let description: Result<GroupDescription, KafkaClientError>
            do {
                description = .success(try await context.client.describeGroup(id))
            } catch {
                description = .failure(error)
            }
            let page = ConsolePage.group(id, description: description, history: history, adminEnabled: context.adminEnabled)
            return .html(page.render(frame))
        case .zooKeeper:
            let path = Self.znodePath(request.parameters["path"])
            let node = await readZNode(path)
            let status =
                switch node {
                case .success: 200
                case .failure(.noNode): 404
                case .failure(.badArguments): 400  // not a znode path ("//", "/a/", ".")
                case .failure: 503
                }
            return .html(ConsolePage.zooKeeper(path: path, node: node).render(frame), status: status)
        }
    }

    /// "/" when absent; without a trailing slash otherwise ("/brokers/ids/" is "/brokers/ids").
    static func znodePath(_ parameter: String?) -> String {
        guard var path = parameter, !path.isEmpty else { return "/" }
        if !path.hasPrefix("/") { path = "/" + path }
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// getData and getChildren, nothing else: the console never writes to ZooKeeper.
    private func readZNode(_ path: String) async -> Result<ZNodeSnapshot, ZooKeeperError> {
        let zooKeeper = context.zk().zooKeeper
        do {
            let (data, stat) = try await zooKeeper.getData(path)
            let children = try await zooKeeper.getChildren(path)
            return .success(ZNodeSnapshot(path: path, data: data, stat: .init(stat), children: children))
        } catch let error as ZooKeeperError {
            return .failure(error)
        } catch {
            return .failure(.systemError)
        }
    }

    /// The controller epoch and the brokers' registration epochs, read once per sample.
    private func epochs(for sample: ClusterSample?) async -> ClusterEpochs? {
        guard let sample else { return nil }
        if let cached = epochCache.value.withLock({ $0 }), cached.sampleTimeMs == sample.timeMs { return cached.epochs }
        let zk = context.zk()
        var epochs = ClusterEpochs(controllerEpoch: try? await zk.controllerEpoch()?.epoch, brokerEpochs: [:])
        for broker in sample.brokers {
            if let stat = try? await zk.zooKeeper.exists(ZkPaths.broker(broker.id)) { epochs.brokerEpochs[broker.id] = stat.czxid }
        }
        epochCache.value.withLock { $0 = (sample.timeMs, epochs) }
        return epochs
    }
}
