internal import CZooKeeper

extension ZooKeeperClient {
    /// Applies all operations atomically, or none of them.
    ///
    /// Throws `ZooKeeperMultiError` when a step failed (nothing was applied; `index` names the step), and a plain
    /// `ZooKeeperError` when the request itself failed (e.g. `connectionLoss`: the outcome is then unknown).
    @discardableResult
    public func multi(_ operations: [ZooKeeperOperation]) async throws -> [ZooKeeperOperationResult] {
        guard !operations.isEmpty else { return [] }
        // libzookeeper 3.8's `zoo_amulti` frees memory it does not own when one step's path check fails (see
        // `ZooKeeperPath`): an invalid path, or a session that is no longer recoverable. So it is only ever called
        // with valid paths on a connected handle; the C client moves from connected to expired only through a
        // reconnection, which cannot complete between the state check and the call.
        for operation in operations {
            try ZooKeeperPath.require(operation.path, sequential: operation.isSequentialCreate)
        }
        guard Int32(exactly: operations.count) != nil else { throw ZooKeeperError.badArguments }
        // The buffers must outlive the request: the C client writes results into them on completion.
        let buffers = MultiBuffers(operations)
        defer { withExtendedLifetime(buffers) {} }  // the C client writes into them until the completion
        let rc: Int32 = try await core.perform { handle, context in
            let state = zoo_state(handle)
            guard state == ZOO_CONNECTED_STATE else { return Self.multiRefusal(forState: state) }
            return zoo_amulti(handle, Int32(operations.count), buffers.ops, buffers.results, { rc, context in
                Pending<Int32>.take(context).continuation.resume(returning: rc)
            }, context)
        }
        if rc == ZOK.rawValue {
            return operations.indices.map { buffers.result(at: $0, of: operations[$0]) }
        }
        if let failed = operations.indices.first(where: { buffers.results[$0].err != ZOK.rawValue }) {
            let code = buffers.results[failed].err
            throw ZooKeeperMultiError(index: failed, error: ZooKeeperError(code: code), operation: operations[failed])
        }
        throw core.error(forSubmissionCode: rc)
    }

    /// The code a multi-op submitted in a C state other than connected fails with: the expiry or the auth failure
    /// it is, or a connection loss that the caller retries as for any request cut off by a reconnection.
    private static func multiRefusal(forState state: Int32) -> Int32 {
        switch state {
        case ZOO_EXPIRED_SESSION_STATE: return ZSESSIONEXPIRED.rawValue
        case ZOO_AUTH_FAILED_STATE: return ZAUTHFAILED.rawValue
        default: return ZCONNECTIONLOSS.rawValue
        }
    }
}

extension ZooKeeperOperation {
    var isSequentialCreate: Bool {
        guard case .create(_, _, let mode) = self else { return false }
        return mode.isSequential
    }
}

/// C-owned memory for one `zoo_amulti` call: the op array, its results, and copies of every path and payload.
private final class MultiBuffers {
    static let pathBufferLength = 1024

    let ops: UnsafeMutablePointer<zoo_op_t>
    let results: UnsafeMutablePointer<zoo_op_result_t>
    private var allocations: [UnsafeMutableRawPointer] = []
    private var pathBuffers: [Int: UnsafeMutablePointer<CChar>] = [:]
    private var stats: [Int: UnsafeMutablePointer<CZooKeeper.Stat>] = [:]

    init(_ operations: [ZooKeeperOperation]) {
        ops = .allocate(capacity: operations.count)
        results = .allocate(capacity: operations.count)
        results.initialize(repeating: zoo_op_result_t(), count: operations.count)
        for (i, operation) in operations.enumerated() {
            let op = ops + i
            switch operation {
            case .create(let path, let data, let mode):
                let buffer = allocate(Self.pathBufferLength).assumingMemoryBound(to: CChar.self)
                pathBuffers[i] = buffer
                zoo_create_op_init(op, copy(path), copy(data), Int32(data.count), czk_open_acl_unsafe(), mode.flags,
                                   buffer, Int32(Self.pathBufferLength))
            case .delete(let path, let version):
                zoo_delete_op_init(op, copy(path), version)
            case .setData(let path, let data, let version):
                let stat = allocate(MemoryLayout<CZooKeeper.Stat>.stride).bindMemory(to: CZooKeeper.Stat.self, capacity: 1)
                stat.initialize(to: CZooKeeper.Stat())
                stats[i] = stat
                zoo_set_op_init(op, copy(path), copy(data), Int32(data.count), version, stat)
            case .check(let path, let version):
                zoo_check_op_init(op, copy(path), version)
            }
        }
    }

    deinit {
        ops.deallocate()
        results.deallocate()
        for allocation in allocations { allocation.deallocate() }
    }

    func result(at index: Int, of operation: ZooKeeperOperation) -> ZooKeeperOperationResult {
        switch operation {
        case .create: return .created(path: String(cString: pathBuffers[index]!))
        case .delete: return .deleted
        case .setData: return .dataSet(ZNodeStat(stats[index]!.pointee))
        case .check: return .checked
        }
    }

    private func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        allocations.append(memory)
        return memory
    }

    private func copy(_ string: String) -> UnsafePointer<CChar> {
        let utf8 = Array(string.utf8)
        let memory = allocate(utf8.count + 1)
        memory.copyMemory(from: utf8, byteCount: utf8.count)
        return UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
    }

    private func copy(_ bytes: [UInt8]) -> UnsafePointer<CChar> {
        let memory = allocate(bytes.count)
        if !bytes.isEmpty { memory.copyMemory(from: bytes, byteCount: bytes.count) }
        return UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
    }
}
