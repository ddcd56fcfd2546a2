import NIOCore
import NIOPosix
import NIOSSL
import Testing

@testable import KafkaClient

/// `KafkaConnection` over TLS against a bare TLS server (the test certificates of Fixtures/tls): the handshake is
/// part of `connect`, so a broker the client does not trust fails `connect` with the TLS reason.
@Suite struct KafkaConnectionTLSTests {
    /// A TLS server on 0.0.0.0 with `keystore` that accepts connections and never answers.
    static func server(keystore: String) async throws -> any Channel {
        let store = try #require(try SslSettings { ["ssl.keystore.type": "PEM", "ssl.keystore.location": keystore][$0] }.keyStore())
        let context = try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: store.certificateChain.map { .certificate($0) }, privateKey: .privateKey(store.privateKey)))
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
            }
            .bind(host: "0.0.0.0", port: 0).get()
    }

    static func client(verifyHostName: Bool = true) throws -> KafkaConnectionConfiguration {
        var configuration = KafkaConnectionConfiguration(negotiateApiVersions: false)
        configuration.tls = try SslSettings {
            ["ssl.truststore.type": "PEM", "ssl.truststore.location": try? SslSettingsTests.fixture("ca.pem"),
             "ssl.endpoint.identification.algorithm": verifyHostName ? "https" : ""][$0] ?? nil
        }.clientTLSConfiguration()
        return configuration
    }

    static func connectError(host: String, port: Int, _ configuration: KafkaConnectionConfiguration) async -> KafkaClientError? {
        do {
            let connection = try await KafkaConnection.connect(host: host, port: port, configuration: configuration)
            await connection.close()
            return nil
        } catch {
            return error as? KafkaClientError
        }
    }

    @Test func trustedBrokerByNameAndByAddress() async throws {
        let server = try await Self.server(keystore: SslSettingsTests.fixture("broker.pem"))
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        // The certificate names localhost and 127.0.0.1.
        #expect(await Self.connectError(host: "localhost", port: port, try Self.client()) == nil)
        #expect(await Self.connectError(host: "127.0.0.1", port: port, try Self.client()) == nil)
    }

    @Test func untrustedBrokerFailsConnectWithTheReason() async throws {
        let server = try await Self.server(keystore: SslSettingsTests.fixture("other-broker.pem"))
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        let error = await Self.connectError(host: "127.0.0.1", port: port, try Self.client())
        #expect(error == .connectionFailed(host: "127.0.0.1", port: port, reason: "TLS handshake failed: certificate verify failed"))
    }

    @Test func hostNameCheckFollowsEndpointIdentificationAlgorithm() async throws {
        let server = try await Self.server(keystore: SslSettingsTests.fixture("broker.pem"))
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        // 127.0.0.2 is this machine too, but the certificate does not name it.
        let error = await Self.connectError(host: "127.0.0.2", port: port, try Self.client())
        guard case .connectionFailed(_, _, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.hasPrefix("TLS handshake failed"))
        #expect(await Self.connectError(host: "127.0.0.2", port: port, try Self.client(verifyHostName: false)) == nil)
    }

    @Test func plaintextBrokerFailsTheHandshake() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        var configuration = try Self.client()
        configuration.connectTimeout = .milliseconds(500)
        let error = await Self.connectError(host: "127.0.0.1", port: port, configuration)
        guard case .connectionFailed(_, _, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.hasPrefix("TLS handshake failed"))
    }
}
