import KafkaProtocol
import Testing
import ZooKeeper

@testable import Broker
@testable import KafkaClient  // GroupDescription's memberwise initializers

/// The console's renderers over fixed samples: what a person sees, in words as well as colour.
@Suite struct ConsolePageTests {
    let frame = ConsolePage.Frame(brokerId: 1, clusterId: "cluster-1", adminEnabled: false)

    private func row(_ html: String, partition: Int32) -> Substring? {
        guard let start = html.range(of: "data-partition=\"\(partition)\"") else { return nil }
        let rowStart = html[..<start.lowerBound].range(of: "<tr", options: .backwards)!.lowerBound
        let rowEnd = html[start.upperBound...].range(of: "</tr>")!.upperBound
        return html[rowStart..<rowEnd]
    }

    @Test func partitionRowsAreMarkedUnderReplicatedAndOfflineInClassAndText() throws {
        let page = try #require(ConsolePage.topic("orders", history: ConsoleHistory(samples: [ConsoleFixtures.sample()])))
        let html = page.render(frame)
        let healthy = try #require(row(html, partition: 0))
        #expect(healthy.hasPrefix("<tr data-partition"))
        #expect(healthy.contains(">ok</span>"))
        let under = try #require(row(html, partition: 1))
        #expect(under.hasPrefix(#"<tr class="under-replicated""#))
        #expect(under.contains(">under-replicated</span>"))
        #expect(under.contains("not in sync: 3"))
        let offline = try #require(row(html, partition: 2))
        #expect(offline.hasPrefix(#"<tr class="offline""#))
        #expect(offline.contains(">offline</span>"))
    }

    @Test func anUnknownTopicHasNoPage() {
        #expect(ConsolePage.topic("nope", history: ConsoleHistory(samples: [ConsoleFixtures.sample()])) == nil)
    }

    @Test func everyPageRendersBeforeTheFirstSample() {
        let empty = ConsoleHistory(samples: [])
        let pages = [
            ConsolePage.overview(history: empty, epochs: nil),
            ConsolePage.topics(history: empty, adminEnabled: true),
            ConsolePage.topic("orders", history: empty)!,
            ConsolePage.groups(history: empty, listings: []),
            ConsolePage.group("g", description: .failure(.connectionClosed), history: empty, adminEnabled: false),
        ]
        for page in pages { #expect(page.render(frame).contains("Collecting the first sample")) }
    }

    @Test func theOverviewCountsAndNamesTheController() {
        let epochs = ClusterEpochs(controllerEpoch: 7, brokerEpochs: [1: 42, 2: 57])
        let html = ConsolePage.overview(history: ConsoleHistory(samples: [ConsoleFixtures.sample()]), epochs: epochs).render(frame)
        #expect(html.contains(#"<li id="broker-count"><span class="value">2</span>"#))
        #expect(html.contains("controller (epoch 7)"))
        #expect(html.contains(#"<li id="under-replicated-count" class="under-replicated"><span class="value">1</span>"#))
        #expect(html.contains(#"<li id="offline-count" class="offline"><span class="value">1</span>"#))
        #expect(html.contains(#"<li id="total-lag"><span class="value">120</span>"#))
        #expect(html.contains(#"<td class="num">42</td><td><span class="badge ok">controller</span> epoch 7</td>"#))
    }

    @Test func aGroupPageShowsMembersAssignmentsAndLagPerPartition() {
        let described = GroupDescription(
            groupId: "billing", state: "Stable", protocolType: "consumer", assignmentStrategy: "range", coordinator: 2,
            members: [.init(memberId: "m-1", groupInstanceId: nil, clientId: "biller", host: "/10.0.0.7", assignment: ["orders": [1, 0]])])
        let history = ConsoleHistory(samples: [
            ConsoleFixtures.sample(timeMs: 0, offsets: 50), ConsoleFixtures.sample(timeMs: 5_000, offsets: 100),
        ])
        let html = ConsolePage.group("billing", description: .success(described), history: history, adminEnabled: false).render(frame)
        #expect(html.contains("<td>biller</td><td>/10.0.0.7</td><td>orders: 0, 1</td>"))
        #expect(html.contains(#"<td class="num">40</td><td class="num">100</td><td class="num lag">60</td><td>biller (/10.0.0.7)</td>"#))
        #expect(html.contains(#"<li id="total-lag"><span class="value">120</span>"#))
        #expect(html.contains("<polyline"))
        #expect(!html.contains("reset-offsets"))
        let admin = ConsolePage.group("billing", description: .success(described), history: history, adminEnabled: true).render(frame)
        #expect(admin.contains(#"<form class="admin" id="reset-offsets" method="post" action="/groups/billing">"#))
    }

    @Test func theCreateFormIsShownOnlyToAdmins() {
        let history = ConsoleHistory(samples: [ConsoleFixtures.sample()])
        #expect(!ConsolePage.topics(history: history, adminEnabled: false).render(frame).contains("create-topic"))
        #expect(ConsolePage.topics(history: history, adminEnabled: true).render(frame).contains("create-topic"))
    }

    @Test func znodeTextIsEscapedBinaryIsHexAndTheStatIsListed() {
        let stat = ZNodeSnapshot.Stat(
            czxid: 0x1a, mzxid: 0x2b, pzxid: 0x1a, ctimeMs: 0, mtimeMs: 1_000, version: 3, cversion: 0, aversion: 0,
            ephemeralOwner: 0x1000, dataLength: 12, numChildren: 2)
        let text = ZNodeSnapshot(path: "/brokers/ids", data: Array(#"{"a":"<b>"}"#.utf8), stat: stat, children: ["10", "2", "x"])
        let html = ConsolePage.zooKeeper(path: "/brokers/ids", node: .success(text)).render(frame)
        #expect(html.contains(#"{&quot;a&quot;:&quot;&lt;b&gt;&quot;}"#))
        #expect(html.contains(#"<li><a href="/zk?path=%2Fbrokers%2Fids%2F2">2</a></li><li><a href="/zk?path=%2Fbrokers%2Fids%2F10">10</a></li>"#))
        for field in ["czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion", "ephemeralOwner", "dataLength", "numChildren"] {
            #expect(html.contains("<th>\(field)</th>"))
        }
        #expect(html.contains("<th>czxid</th><td>0x1a</td>"))
        #expect(html.contains("<th>ephemeralOwner</th><td>0x1000 (ephemeral)</td>"))
        let binary = ZNodeSnapshot(path: "/b", data: [0x00, 0xff, 0x41], stat: stat, children: [])
        #expect(ConsolePage.zooKeeper(path: "/b", node: .success(binary)).render(frame).contains("00000000  00 ff 41"))
        #expect(ConsolePage.zooKeeper(path: "/nope", node: .failure(.noNode)).render(frame).contains("No znode /nope."))
    }

    @Test func ratesCountOnlyPartitionsPresentInBothSamples() throws {
        let earlier = ConsoleFixtures.sample(timeMs: 0, offsets: 1_000)
        var later = ConsoleFixtures.sample(timeMs: 10_000, offsets: 1_500)
        later.latestOffsets[TopicPartition("orders", 1)] = nil  // its leader did not answer this time
        let rates = try #require(ConsoleHistory.topicRates(from: earlier, to: later)["orders"])
        #expect(rates.messages == 50)
        #expect(rates.bytes == 500)
        var back = ConsoleFixtures.sample(timeMs: 20_000, offsets: 1_600)
        back.latestOffsets[TopicPartition("orders", 1)] = 1_600
        #expect(ConsoleHistory.topicRates(from: later, to: back)["orders"]?.messages == 10)
    }
}
