import Foundation
import KafkaClient
import Synchronization

/// `--progress` of `gregor produce` and `gregor consume`: counts what the run moved and writes a `TransferProgress`
/// line to stderr every `interval` from a background task (so the line moves on while the run waits for input or
/// records), then the summary from `finish()`. stdout, which carries the data, is never touched.
final class ProgressReporter: Sendable {
    private struct Counts {
        var records: Int64 = 0
        var bytes: Int64 = 0
        /// Set by the summary: no progress line may follow it.
        var finished = false
    }

    private let label: String
    private let start = ContinuousClock.now
    private let terminal = isatty(STDERR_FILENO) == 1
    private let counts = Mutex(Counts())
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    init(label: String, interval: Duration = .milliseconds(500)) {
        self.label = label
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, let self else { return }
                self.write(final: false)
            }
        }
        ticker.withLock { $0 = task }
    }

    func add(records: Int, bytes: Int) {
        counts.withLock {
            $0.records += Int64(records)
            $0.bytes += Int64(bytes)
        }
    }

    /// Stops the periodic line and writes the summary.
    func finish() {
        ticker.withLock {
            $0?.cancel()
            $0 = nil
        }
        write(final: true)
    }

    /// Writes under the lock, so a line of the ticker cannot land after the summary.
    private func write(final: Bool) {
        counts.withLock { counts in
            guard !counts.finished else { return }
            counts.finished = final
            let progress = TransferProgress(
                label: label, records: counts.records, bytes: counts.bytes, elapsed: ContinuousClock.now - start)
            FileHandle.standardError.write(Data(progress.output(terminal: terminal, final: final).utf8))
        }
    }
}
