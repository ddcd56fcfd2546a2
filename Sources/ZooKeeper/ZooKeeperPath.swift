/// The C client's path rules (`isValidPath` in libzookeeper 3.8), checked in Swift before a path reaches C.
///
/// Two reasons to check first. `zoo_amulti` frees a step's chroot-prefixed path twice when the C client refuses that
/// path, and frees the uninitialised paths of the steps after it, so an invalid path in a multi-op corrupts the heap
/// instead of failing. And C reads a path up to its first NUL, so a Swift string with an embedded NUL would name
/// another node.
enum ZooKeeperPath {
    /// Whether the C client accepts `path` for a request with the given sequential flag: absolute, no empty, `.` or
    /// `..` component, no trailing `/` (a sequential create may end in `/`, `.` or `..`: the server appends its
    /// counter), no NUL and no control byte 0x01–0x1e (the C client compares signed chars, so 0x1f passes; the
    /// server refuses more, answering with an error the caller sees).
    static func isValid(_ path: String, sequential: Bool = false) -> Bool {
        let bytes = Array(path.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") else { return false }
        if bytes.count == 1 { return true }
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        if bytes[bytes.count - 1] == slash && !sequential { return false }
        for i in 1..<bytes.count {
            let c = bytes[i], last = bytes[i - 1]
            let endsComponent = (i + 1 == bytes.count && !sequential) || (i + 1 < bytes.count && bytes[i + 1] == slash)
            switch c {
            case 0: return false
            case slash where last == slash: return false
            case dot where last == dot:
                if i >= 2 && bytes[i - 2] == slash && endsComponent { return false }
            case dot:
                if last == slash && endsComponent { return false }
            case 0x01..<0x1F: return false
            default: break
            }
        }
        return true
    }

    /// Throws `badArguments`, as the C client would, for a path it would refuse or misread.
    static func require(_ path: String, sequential: Bool = false) throws(ZooKeeperError) {
        guard isValid(path, sequential: sequential) else { throw .badArguments }
    }
}
