extension ZooKeeperClient {
    /// Creates `path`, first creating any missing parent as an empty persistent node (Kafka's `createRecursive`).
    /// Throws `nodeExists` if `path` itself exists.
    @discardableResult
    public func createRecursively(_ path: String, data: [UInt8] = [], mode: CreateMode = .persistent) async throws -> String {
        do {
            return try await create(path, data: data, mode: mode)
        } catch ZooKeeperError.noNode {
            try await ensurePath(Self.parent(of: path))
            return try await create(path, data: data, mode: mode)
        }
    }

    /// Makes sure a persistent node exists at `path` (and at each of its ancestors); existing nodes are left alone.
    public func ensurePath(_ path: String) async throws {
        guard path != "/", !path.isEmpty else { return }
        do {
            try await create(path)
        } catch ZooKeeperError.nodeExists {
            return
        } catch ZooKeeperError.noNode {
            try await ensurePath(Self.parent(of: path))
            do { try await create(path) } catch ZooKeeperError.nodeExists {}
        }
    }

    /// Deletes `path` and everything below it; a node that is already gone is not an error.
    public func deleteRecursively(_ path: String) async throws {
        let children: [String]
        do {
            children = try await getChildren(path)
        } catch ZooKeeperError.noNode {
            return
        }
        for child in children {
            try await deleteRecursively(Self.join(path, child))
        }
        do { try await delete(path) } catch ZooKeeperError.noNode {}
    }

    /// "/a/b/c" -> "/a/b"; "/a" -> "/".
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    public static func join(_ parent: String, _ child: String) -> String {
        parent.hasSuffix("/") ? parent + child : parent + "/" + child
    }
}
