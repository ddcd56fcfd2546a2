internal import CZooKeeper

extension ZooKeeperClient {
    /// Creates a node and returns its actual path (which differs from `path` for sequential modes).
    @discardableResult
    public func create(_ path: String, data: [UInt8] = [], mode: CreateMode = .persistent) async throws -> String {
        try ZooKeeperPath.require(path, sequential: mode.isSequential)
        return try await core.perform { handle, context in
            withCBytes(data) { bytes, count in
                zoo_acreate(handle, path, bytes, count, czk_open_acl_unsafe(), mode.flags, { rc, value, context in
                    Pending<String>.take(context).complete(rc) { value.map { String(cString: $0) } ?? "" }
                }, context)
            }
        }
    }

    /// Deletes a node if its version matches (`anyVersion` skips the check).
    public func delete(_ path: String, version: Int32 = anyVersion) async throws {
        try ZooKeeperPath.require(path)
        try await core.perform { handle, context in
            zoo_adelete(handle, path, version, { rc, context in
                Pending<Void>.take(context).complete(rc) {}
            }, context)
        } as Void
    }

    /// The node's stat, or nil when it does not exist.
    public func exists(_ path: String) async throws -> ZNodeStat? {
        try ZooKeeperPath.require(path)
        return try await core.perform { handle, context in
            zoo_aexists(handle, path, 0, Self.existsCompletion, context)
        }
    }

    public func getData(_ path: String) async throws -> (data: [UInt8], stat: ZNodeStat) {
        try ZooKeeperPath.require(path)
        return try await core.perform { handle, context in
            zoo_aget(handle, path, 0, Self.dataCompletion, context)
        }
    }

    /// Writes a node's data if its version matches; returns the new stat.
    @discardableResult
    public func setData(_ path: String, data: [UInt8], version: Int32 = anyVersion) async throws -> ZNodeStat {
        try ZooKeeperPath.require(path)
        return try await core.perform { handle, context in
            withCBytes(data) { bytes, count in
                zoo_aset(handle, path, bytes, count, version, { rc, stat, context in
                    Pending<ZNodeStat>.take(context).complete(rc) { ZNodeStat(stat!.pointee) }
                }, context)
            }
        }
    }

    /// The names (not paths) of a node's children, in the server's order.
    public func getChildren(_ path: String) async throws -> [String] {
        try ZooKeeperPath.require(path)
        return try await core.perform { handle, context in
            zoo_aget_children(handle, path, 0, Self.childrenCompletion, context)
        }
    }

    // Completions shared by the plain and the watching variants.

    static let existsCompletion: stat_completion_t = { rc, stat, context in
        let pending = Pending<ZNodeStat?>.take(context)
        if rc == ZNONODE.rawValue {
            pending.continuation.resume(returning: nil)
        } else {
            pending.complete(rc) { stat.map { ZNodeStat($0.pointee) } }
        }
    }

    static let dataCompletion: data_completion_t = { rc, value, length, stat, context in
        Pending<(data: [UInt8], stat: ZNodeStat)>.take(context).complete(rc) {
            var data: [UInt8] = []
            if let value, length > 0 {
                data = Array(UnsafeRawBufferPointer(start: value, count: Int(length)))
            }
            return (data, ZNodeStat(stat!.pointee))
        }
    }

    static let childrenCompletion: strings_completion_t = { rc, strings, context in
        Pending<[String]>.take(context).complete(rc) {
            guard let vector = strings?.pointee, let items = vector.data else { return [] }
            return (0..<Int(vector.count)).map { String(cString: items[$0]!) }
        }
    }
}
