import KafkaProtocol
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import Broker

/// Records, per API key, the event loop each request ran on when it started and after an await that resumes from
/// a timer (nil: not on an event loop).
private final class WhereProcessor: RequestProcessor {
    struct Seen: Sendable {
        var apiKey: Int16
        var atStart: ObjectIdentifier?
        var afterAwait: ObjectIdentifier?
    }

    private let seen = Mutex<[Seen]>([])
    var all: [Seen] { seen.withLock { $0 } }

    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async -> ResponseAction {
        let apiKey = frame.getInteger(at: frame.readerIndex, as: Int16.self) ?? -1
        let atStart = MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
        try? await Task.sleep(for: .milliseconds(2))
        let afterAwait = MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
        seen.withLock { $0.append(Seen(apiKey: apiKey, atStart: atStart, afterAwait: afterAwait)) }
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(UInt8(0))
        return .send(ResponseFrame(buffer: buffer, regions: []))
    }
}

/// Fetch requests run on their connection's event loop (`EventLoopTaskExecutor`), also after they awaited; other
/// requests run on the shared task pool.
@Suite struct RequestExecutorTests {
    @Test func fetchesRunOnTheirConnectionsLoopAndOtherRequestsOnThePool() async throws {
        let processor = WhereProcessor()
        let broker = try await LoopbackBroker.start(processor: processor)
        let client = try await broker.connect()
        func frame(_ apiKey: ApiKey) -> [UInt8] {
            let key = UInt16(bitPattern: apiKey.rawValue)
            return [UInt8(key >> 8), UInt8(key & 0xFF), 0, 0]
        }
        try await client.send([frame(.fetch), frame(.metadata), frame(.fetch)])
        #expect(await eventually { processor.all.count == 3 })
        let loop = try #require(broker.accepted.all.first).eventLoop
        let seen = processor.all
        #expect(seen.map(\.apiKey) == [ApiKey.fetch.rawValue, ApiKey.metadata.rawValue, ApiKey.fetch.rawValue])
        for fetch in seen where fetch.apiKey == ApiKey.fetch.rawValue {
            #expect(fetch.atStart == ObjectIdentifier(loop))
            #expect(fetch.afterAwait == ObjectIdentifier(loop))
        }
        for other in seen where other.apiKey != ApiKey.fetch.rawValue {
            #expect(other.atStart == nil)
            #expect(other.afterAwait == nil)
        }
        await broker.stop()
    }
}
