import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import Broker

/// What the stub saw: the order of appends, of starts, and how many requests ran at once.
private final class PipelineLog: Sendable {
    private struct State {
        var running = 0
        var maxRunning = 0
        var appends: [UInt8] = []
        /// For each non-produce request: how many requests were running while it ran (itself included).
        var othersConcurrency: [Int] = []
    }
    private let state = Mutex(State())

    func begin() -> Int {
        state.withLock { state in
            state.running += 1
            state.maxRunning = max(state.maxRunning, state.running)
            return state.running
        }
    }
    func end() { state.withLock { $0.running -= 1 } }
    func appended(_ id: UInt8) { state.withLock { $0.appends.append(id) } }
    func other(ranWith count: Int) { state.withLock { $0.othersConcurrency.append(count) } }

    var maxRunning: Int { state.withLock { $0.maxRunning } }
    var appends: [UInt8] { state.withLock { $0.appends } }
    var othersConcurrency: [Int] { state.withLock { $0.othersConcurrency } }
}

/// Frames are `[apiKey (2 bytes), id]`. A Produce (key 0) takes its append turn, "appends" (slowest for the
/// first ids, so a free-for-all would reorder them), finishes the turn, then waits a little (acks=all's wait)
/// before answering `id`. Anything else answers `id` after a short sleep.
private struct PipelineProcessor: RequestProcessor {
    let log: PipelineLog

    func process(_ frame: ByteBuffer, connection: ConnectionInfo) async -> ResponseAction {
        let apiKey = frame.getInteger(at: frame.readerIndex, as: Int16.self) ?? -1
        let id = frame.getInteger(at: frame.readerIndex + 2, as: UInt8.self) ?? 0
        let running = log.begin()
        defer { log.end() }
        if apiKey == 0 {
            await connection.appendTurn?.waitForPredecessor()
            try? await Task.sleep(for: .milliseconds(Int64(max(1, 12 - Int(id)))))
            log.appended(id)
            connection.appendTurn?.finish()
            try? await Task.sleep(for: .milliseconds(Int64(1 + Int(id) % 3)))
        } else {
            log.other(ranWith: running)
            try? await Task.sleep(for: .milliseconds(3))
        }
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(id)
        return .send(ResponseFrame(buffer: buffer, regions: []))
    }
}

@Suite struct ProducePipeliningTests {
    private func run(_ frames: [(apiKey: Int16, id: UInt8)]) async throws -> (answers: [UInt8], log: PipelineLog) {
        let log = PipelineLog()
        let broker = try await LoopbackBroker.start(processor: PipelineProcessor(log: log))
        let collector = ResponseCollector()
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { $0.pipeline.addHandler(collector) }
            .connect(host: "127.0.0.1", port: broker.port).get()
        var out = ByteBuffer()
        for frame in frames {
            out.writeInteger(Int32(3))
            out.writeInteger(frame.apiKey)
            out.writeInteger(frame.id)
        }
        try await client.writeAndFlush(out)
        let deadline = ContinuousClock.now + .seconds(30)
        while collector.bytes.count < frames.count * 5, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let bytes = collector.bytes
        try? await client.close()
        await broker.stop()
        return (stride(from: 4, to: bytes.count, by: 5).map { bytes[$0] }, log)
    }

    @Test func produceRequestsOverlapButAppendAndAnswerInRequestOrder() async throws {
        let ids = Array(UInt8(0)..<12)
        let (answers, log) = try await run(ids.map { (0, $0) })
        #expect(answers == ids)
        #expect(log.appends == ids)
        #expect(log.maxRunning > 1)
        #expect(log.maxRunning <= KafkaConnectionHandler.maxPipelinedProduces)
    }

    @Test func otherRequestsRunAlone() async throws {
        let frames: [(apiKey: Int16, id: UInt8)] = [(0, 0), (0, 1), (3, 2), (0, 3), (0, 4), (1, 5), (18, 6), (0, 7)]
        let (answers, log) = try await run(frames)
        #expect(answers == frames.map(\.id))
        #expect(log.appends == [0, 1, 3, 4, 7])
        #expect(log.othersConcurrency == [1, 1, 1])
    }
}

@Suite struct AppendTurnTests {
    @Test func aTurnFinishedEarlyDoesNotLetALaterOneOvertakeAnEarlierOne() async throws {
        let first = AppendTurn(after: nil)
        let second = AppendTurn(after: first)
        let third = AppendTurn(after: second)
        // The second request failed before appending: its turn is over, but the first is still appending.
        second.finish()
        #expect(!second.isFinished)
        let passed = Mutex(false)
        let waiter = Task {
            await third.waitForPredecessor()
            passed.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!passed.withLock { $0 })
        first.finish()
        await waiter.value
        #expect(passed.withLock { $0 })
        #expect(second.isFinished)
        // Finishing again changes nothing.
        first.finish()
        second.finish()
        #expect(first.isFinished && second.isFinished && !third.isFinished)
    }

    @Test func theFirstTurnNeverWaits() async {
        let turn = AppendTurn(after: nil)
        await turn.waitForPredecessor()
        turn.finish()
        #expect(turn.isFinished)
    }
}
