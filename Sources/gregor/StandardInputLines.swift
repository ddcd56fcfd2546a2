import Dispatch
import Foundation

/// Lines from standard input, read in chunks with read(2) off the cooperative thread pool, so a terminal that
/// waits for the user never blocks a Swift concurrency thread.
///
/// `hasPendingInput` tells whether more bytes are already waiting (poll with a zero timeout): the producer sends
/// what it has batched when the answer is no, which batches piped input and still sends typed lines at once.
final class StandardInputLines {
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var reachedEnd = false
    private let queue = DispatchQueue(label: "gregor.stdin")

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// The complete lines of the next chunk (without "\n" or "\r\n"), or nil at end of input. The last line
    /// counts even without a final newline.
    func next() async throws -> [[UInt8]]? {
        while true {
            if let lines = try completeLines(), !lines.isEmpty { return lines }
            if reachedEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return [stripCarriageReturn(buffer[...])]
            }
            let chunk = await readChunk()
            if chunk.isEmpty { reachedEnd = true } else { buffer += chunk }
        }
    }

    /// Whether bytes are waiting on standard input right now.
    var hasPendingInput: Bool {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    private func completeLines() throws -> [[UInt8]]? {
        guard let lastNewline = buffer.lastIndex(of: UInt8(ascii: "\n")) else {
            if buffer.count > maxLineBytes { throw CommandFailure("a line is longer than \(maxLineBytes) bytes") }
            return nil
        }
        let lines = buffer[..<lastNewline].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        buffer.removeSubrange(...lastNewline)
        for line in lines where line.count > maxLineBytes {
            throw CommandFailure("a line is longer than \(maxLineBytes) bytes")
        }
        return lines.map(stripCarriageReturn)
    }

    private func stripCarriageReturn(_ line: ArraySlice<UInt8>) -> [UInt8] {
        Array(line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
    }

    private func readChunk() async -> [UInt8] {
        await withCheckedContinuation { continuation in
            queue.async {
                var chunk = [UInt8](repeating: 0, count: 64 << 10)
                var count: Int
                repeat {
                    count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                } while count < 0 && errno == EINTR
                continuation.resume(returning: count > 0 ? Array(chunk[..<count]) : [])
            }
        }
    }
}
