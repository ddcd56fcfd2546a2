import GregorTestSupport
import Storage
import Testing

@testable import Broker

/// `max.connections.per.ip` (with its overrides) and `max.connections`, enforced when a connection is accepted.
@Suite struct ConnectionQuotasTests {
    private func broker(_ quotas: ConnectionQuotas.Configuration, capture: LogCapture = LogCapture()) async throws -> LoopbackBroker {
        var configuration = SocketServer.Configuration()
        configuration.quotas = ConnectionQuotas(quotas)
        return try await LoopbackBroker.start(
            processor: GatedProcessor(open: true), configuration: configuration, logger: capture.logger(level: .info))
    }

    /// The connection answers a request: it was accepted and is served.
    private func isServed(_ client: LoopbackClient) async throws -> Bool {
        let before = client.received.bytes
        try await client.send([[1]])
        return await eventually { client.received.bytes >= before + 5 }
    }

    @Test func aConnectionOverThePerAddressLimitIsClosedAtOnce() async throws {
        let capture = LogCapture()
        let broker = try await broker(ConnectionQuotas.Configuration(maxConnectionsPerIp: 2), capture: capture)
        let first = try await broker.connect()
        let second = try await broker.connect()
        #expect(try await isServed(first))
        #expect(try await isServed(second))
        let third = try await broker.connect()
        #expect(await third.closedByServer())
        #expect(capture.lines.contains { $0.message.contains("127.0.0.1, address already has the configured maximum of 2 connections") })
        // A slot freed by a close is usable again.
        try await first.channel.close()
        #expect(await eventually { broker.server.connectionCount == 1 })
        let fourth = try await broker.connect()
        #expect(try await isServed(fourth))
        await broker.stop()
    }

    @Test func anOverrideReplacesThePerAddressLimitForItsAddress() async throws {
        let broker = try await broker(ConnectionQuotas.Configuration(
            maxConnectionsPerIp: 0, maxConnectionsPerIpOverrides: ["127.0.0.1": 1]))
        let first = try await broker.connect()
        #expect(try await isServed(first))
        let second = try await broker.connect()
        #expect(await second.closedByServer())
        await broker.stop()
    }

    @Test func aConnectionOverTheBrokerLimitIsClosedUnlessOnTheInterBrokerListener() async throws {
        let limited = try await broker(ConnectionQuotas.Configuration(maxConnections: 1))
        let first = try await limited.connect()
        #expect(try await isServed(first))
        let second = try await limited.connect()
        #expect(await second.closedByServer())
        #expect(first.channel.isActive)
        await limited.stop()

        let interBroker = try await broker(ConnectionQuotas.Configuration(maxConnections: 1, unlimitedListenerName: "PLAINTEXT"))
        _ = try await interBroker.connect()
        let exempt = try await interBroker.connect()
        #expect(try await isServed(exempt))
        await interBroker.stop()
    }

    @Test func aConnectionPastTheDescriptorBudgetIsClosedAndItsDescriptorComesBack() async throws {
        let capture = LogCapture()
        let descriptors = FileDescriptorBudget(.init(capacity: 3, headroom: 1))
        let broker = try await broker(ConnectionQuotas.Configuration(descriptors: descriptors), capture: capture)
        let first = try await broker.connect()
        let second = try await broker.connect()
        #expect(try await isServed(first))
        #expect(try await isServed(second))
        #expect(descriptors.count == 2)
        let third = try await broker.connect()
        #expect(await third.closedByServer())
        #expect(capture.lines.contains { $0.message.contains("are at the 2 its descriptor limit allows (ulimit -n)") })
        #expect(try await isServed(first))
        try await first.channel.close()
        #expect(await eventually { descriptors.count == 1 })
        #expect(try await isServed(try await broker.connect()))
        await broker.stop()
        #expect(await eventually { descriptors.count == 0 })
    }

    @Test func theInterBrokerListenerMayUseTheDescriptorHeadroom() async throws {
        let descriptors = FileDescriptorBudget(.init(capacity: 2, headroom: 1))
        let broker = try await broker(ConnectionQuotas.Configuration(unlimitedListenerName: "PLAINTEXT", descriptors: descriptors))
        let first = try await broker.connect()
        let second = try await broker.connect()
        #expect(try await isServed(first))
        #expect(try await isServed(second))
        #expect(await (try await broker.connect()).closedByServer())
        await broker.stop()
    }
}
