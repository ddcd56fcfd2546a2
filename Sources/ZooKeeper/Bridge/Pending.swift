internal import CZooKeeper

/// One in-flight asynchronous C call: retained while the C client holds it as completion context, released by the
/// completion, which the C client guarantees to call exactly once after a successful submission (with `ZCLOSING` or
/// `ZCONNECTIONLOSS` if the session goes away first).
final class Pending<Value: Sendable>: Sendable {
    let continuation: CheckedContinuation<Value, any Error>

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation = continuation
    }

    /// Takes back ownership of the context passed to a `zoo_a*` call.
    static func take(_ context: UnsafeRawPointer?) -> Pending<Value> {
        guard let context else { preconditionFailure("ZooKeeper completion without context") }
        return Unmanaged<Pending<Value>>.fromOpaque(context).takeRetainedValue()
    }

    func complete(_ rc: Int32, _ value: () -> Value) {
        if rc == ZOK.rawValue {
            continuation.resume(returning: value())
        } else {
            continuation.resume(throwing: ZooKeeperError(code: rc))
        }
    }

    func fail(_ error: any Error) {
        continuation.resume(throwing: error)
    }
}

extension SessionCore {
    /// Submits one asynchronous C call and suspends until its completion.
    ///
    /// `submit` receives the handle and the completion context and returns the submission's code; when that code is
    /// not `ZOK` no completion will come, so the context is reclaimed here.
    func perform<Value: Sendable>(
        _ submit: (OpaquePointer, UnsafeRawPointer) -> Int32
    ) async throws -> Value {
        // A session that has ended fails fast, with the reason, without touching the C handle.
        switch state {
        case .expired: throw ZooKeeperError.sessionExpired
        case .authFailed: throw ZooKeeperError.authFailed
        case .closed: throw ZooKeeperError.closed
        case .connecting, .connected, .disconnected: break
        }
        let started = ContinuousClock.now
        defer { if let requestObserver { requestObserver(ContinuousClock.now - started) } }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let pending = Unmanaged.passRetained(Pending<Value>(continuation))
            let context = UnsafeRawPointer(pending.toOpaque())
            let rc: Int32
            do {
                rc = try withHandle { handle in submit(handle, context) }
            } catch {
                pending.takeRetainedValue().fail(error)
                return
            }
            if rc != ZOK.rawValue {
                pending.takeRetainedValue().fail(self.error(forSubmissionCode: rc))
            }
        }
    }

    /// An invalid-state submission on an expired session is reported as the expiry it really is.
    func error(forSubmissionCode rc: Int32) -> ZooKeeperError {
        let error = ZooKeeperError(code: rc)
        if error == .invalidState, state == .expired { return .sessionExpired }
        return error
    }
}

/// Calls `body` with a pointer and length for `bytes`, never a null pointer (the C client reads `NULL` as "no data").
func withCBytes<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>, Int32) -> R) -> R {
    if bytes.isEmpty {
        return "".withCString { body($0, 0) }
    }
    return bytes.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!, Int32(buffer.count)) }
    }
}
