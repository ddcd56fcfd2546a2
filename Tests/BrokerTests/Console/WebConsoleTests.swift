import Coordination
import KafkaClient
import Logging
import Testing

@testable import Broker

/// Routing and the admin gate, without a cluster: nothing here reaches ZooKeeper or a broker.
@Suite struct WebConsoleTests {
    static func console(adminEnabled: Bool) -> WebConsole {
        let logger = Logger(label: "test")
        // Port 9 (discard): nothing on these paths connects.
        let client = KafkaClusterClient(bootstrapServers: [BrokerAddress(host: "127.0.0.1", port: 9)], logger: logger)
        let cache = MetadataCache()
        let zk: @Sendable () -> KafkaZkClient = { preconditionFailure("these requests read no ZooKeeper") }
        let sampler = ClusterSampler(metadataCache: cache, client: client, logger: logger)
        return WebConsole(context: .init(
            brokerId: 1, clusterId: "c", adminEnabled: adminEnabled, sampler: sampler, metadataCache: cache, zk: zk,
            client: client))
    }

    static func form(_ path: String, _ body: String, headers: [(String, String)] = []) -> HttpRequest {
        HttpRequest(method: "POST", path: path, parameters: HttpQuery.parse(Substring(body)), headers: headers, body: Array(body.utf8))
    }

    @Test func postsAreRefusedWhenReadOnly() async throws {
        let console = Self.console(adminEnabled: false)
        for request in [Self.form("/topics", "name=t&partitions=1&replicationFactor=1"), Self.form("/groups/g", "topic=t&to=earliest")] {
            let response = try #require(await console.respond(to: request))
            #expect(response.status == 403)
            #expect(String(decoding: response.body, as: UTF8.self).contains("console.admin.enable=true"))
        }
    }

    @Test func aPostFromAnotherSiteIsRefusedEvenForAdmins() async throws {
        let console = Self.console(adminEnabled: true)
        let request = Self.form("/topics", "name=t&partitions=1&replicationFactor=1",
                                headers: [("Host", "127.0.0.1:8080"), ("Origin", "http://evil.example")])
        #expect(try #require(await console.respond(to: request)).status == 403)
    }

    @Test func badFormValuesComeBackAsAnErrorOnThePage() async throws {
        let console = Self.console(adminEnabled: true)
        let response = try #require(await console.respond(to: Self.form("/topics", "name=t&partitions=0&replicationFactor=1",
            headers: [("Host", "127.0.0.1:8080"), ("Origin", "http://127.0.0.1:8080")])))
        #expect(response.status == 303)
        let location = try #require(response.headers.first { $0.0 == "Location" }?.1)
        #expect(location.hasPrefix("/topics?error=The%20number%20of%20partitions"))
    }

    @Test func pagesAndAssetsAreServedAndOtherPathsPassedOn() async throws {
        let console = Self.console(adminEnabled: false)
        let topics = try #require(await console.respond(to: HttpRequest(method: "GET", path: "/topics")))
        #expect(topics.status == 200)
        #expect(String(decoding: topics.body, as: UTF8.self).contains("Collecting the first sample"))
        let script = try #require(await console.respond(to: HttpRequest(method: "GET", path: "/assets/console.js")))
        #expect(script.contentType.hasPrefix("text/javascript"))
        let css = try #require(await console.respond(to: HttpRequest(method: "GET", path: "/assets/console.css")))
        #expect(css.contentType.hasPrefix("text/css"))
        #expect(await console.respond(to: HttpRequest(method: "GET", path: "/metrics")) == nil)
        let delete = try #require(await console.respond(to: HttpRequest(method: "DELETE", path: "/topics")))
        #expect(delete.status == 405)
    }

    @Test func routesTakeEverythingAfterTheirPrefix() {
        #expect(ConsoleRoute(path: "/") == .overview)
        #expect(ConsoleRoute(path: "/topics/") == .topics)
        #expect(ConsoleRoute(path: "/topics/orders") == .topic("orders"))
        #expect(ConsoleRoute(path: "/groups/team/a?b") == .group("team/a?b"))
        #expect(ConsoleRoute(path: "/zk") == .zooKeeper)
        #expect(ConsoleRoute(path: "/favicon.ico") == nil)
        #expect(WebConsole.znodePath(nil) == "/")
        #expect(WebConsole.znodePath("brokers/ids/") == "/brokers/ids")
    }

    @Test func assetsNameNoOtherHost() {
        for asset in [ConsoleAssets.css, ConsoleAssets.script] {
            #expect(!asset.contains("http://") && !asset.contains("https://") && !asset.contains("//cdn"))
        }
    }
}
