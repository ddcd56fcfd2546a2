import Foundation

extension LogManager {
    /// Runs retention, time-based flushing and the periodic checkpoints until cancelled (Kafka schedules the same
    /// tasks on its `KafkaScheduler`).
    public func runSchedulers() async {
        let config = configuration
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.every(config.retentionCheckIntervalMs) { [self] in self.cleanupLogs() } }
            group.addTask { await self.every(config.flushCheckIntervalMs) { [self] in self.flushDirtyLogs() } }
            group.addTask {
                await self.every(config.recoveryPointCheckpointIntervalMs) { [self] in
                    do { try self.checkpointRecoveryPoints() } catch { self.logger.error("Recovery point checkpoint failed: \(error)") }
                }
            }
            group.addTask {
                await self.every(config.logStartOffsetCheckpointIntervalMs) { [self] in
                    do { try self.checkpointLogStartOffsets() } catch { self.logger.error("Log start offset checkpoint failed: \(error)") }
                }
            }
        }
    }

    /// One retention pass over every log. Returns the number of segments deleted.
    @discardableResult
    public func cleanupLogs(nowMs: Int64 = Log.nowMs()) -> Int {
        var deleted = 0
        for log in allLogs {
            do {
                deleted += try log.deleteOldSegments(nowMs: nowMs)
            } catch {
                logger.error("Retention of \(log.topicPartition) failed: \(error)")
            }
        }
        return deleted
    }

    /// One pass of `log.flush.interval.ms`.
    public func flushDirtyLogs(nowMs: Int64 = Log.nowMs()) {
        for log in allLogs {
            do { try log.flushIfDue(nowMs: nowMs) } catch { logger.error("Flush of \(log.topicPartition) failed: \(error)") }
        }
    }

    /// Runs `body` every `intervalMs` on `schedulerQueue` until cancelled.
    private func every(_ intervalMs: Int64, _ body: @escaping @Sendable () -> Void) async {
        guard intervalMs > 0, intervalMs < Int64(Int32.max) * 1000 else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: .milliseconds(intervalMs)) } catch { return }
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                schedulerQueue.async {
                    body()
                    done.resume()
                }
            }
        }
    }
}
