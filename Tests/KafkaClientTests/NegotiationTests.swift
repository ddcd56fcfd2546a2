import KafkaProtocol
import KafkaTestSupport
import Testing

@testable import KafkaClient

@Suite struct NegotiationTests {
    @Test func connectSendsApiVersionsV3AndUsesTheBrokersRanges() async throws {
        var apis = KafkaApis.all
        let metadataIndex = try #require(apis.firstIndex { $0.apiKey == .metadata })
        apis.remove(at: metadataIndex)
        apis.removeAll { $0.apiKey == .saslHandshake }
        let others = apis
        let broker = try await FakeBroker.start { header, _ in
            guard header.apiKey == .apiVersions else { return .close }
            var response = Canned.apiVersions(others)
            var metadata = ApiVersionsResponse.ApiVersion()
            metadata.apiKey = ApiKey.metadata.rawValue
            metadata.minVersion = 0
            metadata.maxVersion = 7
            response.apiKeys.append(metadata)
            return .response(response)
        }
        let connection = try await KafkaConnection.connect(host: "127.0.0.1", port: broker.port)
        #expect(broker.requests.map(\.apiVersion) == [3])
        #expect(broker.requests.first?.clientId == "gregor")
        #expect(connection.version(for: .metadata, max: 12) == 7)
        #expect(connection.version(for: .metadata, max: 4) == 4)
        #expect(connection.version(for: .saslHandshake, max: 1) == nil)  // not offered by the fake broker
        await connection.close()
        await broker.stop()
    }

    /// A Kafka 2.x broker that only has ApiVersions 0-2 answers a v3 request with UNSUPPORTED_VERSION in the v0
    /// layout, listing its ApiVersions range; the client retries at that range's maximum.
    @Test func unsupportedVersionAnswerInV0LayoutMakesTheClientRetryAtTheBrokersMaximum() async throws {
        let broker = try await FakeBroker.start { header, _ in
            guard header.apiKey == .apiVersions else { return .close }
            if header.apiVersion > 2 {
                var refusal = ApiVersionsResponse()
                refusal.errorCode = ErrorCode.unsupportedVersion.rawValue
                var entry = ApiVersionsResponse.ApiVersion()
                entry.apiKey = ApiKey.apiVersions.rawValue
                entry.minVersion = 0
                entry.maxVersion = 2
                refusal.apiKeys = [entry]
                return .response(refusal, version: 0)
            }
            return .response(Canned.apiVersions())
        }
        let connection = try await KafkaConnection.connect(host: "127.0.0.1", port: broker.port)
        #expect(broker.requests.map(\.apiVersion) == [3, 2])
        #expect(connection.version(for: .metadata, max: 9) == 9)
        await connection.close()
        await broker.stop()
    }

    @Test func unsupportedVersionWithoutRangesFallsBackToV0() async throws {
        let broker = try await FakeBroker.start { header, _ in
            if header.apiVersion > 0 {
                var refusal = ApiVersionsResponse()
                refusal.errorCode = ErrorCode.unsupportedVersion.rawValue
                return .response(refusal, version: 0)
            }
            return .response(Canned.apiVersions())
        }
        let connection = try await KafkaConnection.connect(host: "127.0.0.1", port: broker.port)
        #expect(broker.requests.map(\.apiVersion) == [3, 0])
        await connection.close()
        await broker.stop()
    }

    @Test func anyOtherApiVersionsErrorFailsTheConnect() async throws {
        let broker = try await FakeBroker.start { _, _ in
            var response = ApiVersionsResponse()
            response.errorCode = ErrorCode.unknownServerError.rawValue
            return .response(response)
        }
        await #expect {
            try await KafkaConnection.connect(host: "127.0.0.1", port: broker.port)
        } throws: { error in
            (error as? KafkaClientError)?.errorCode == .unknownServerError
        }
        await broker.stop()
    }

    @Test func refusedConnectionIsConnectionFailed() async throws {
        let broker = try await FakeBroker.start { _, _ in .close }
        let port = broker.port
        await broker.stop()
        await #expect {
            try await KafkaConnection.connect(host: "127.0.0.1", port: port)
        } throws: { error in
            guard case KafkaClientError.connectionFailed(_, port, _) = error else { return false }
            return true
        }
    }
}
