import Foundation
import Glibc

/// Private temporary directories for fixtures and tests.
public enum TemporaryDirectory {
    /// Creates a new, empty, uniquely named directory `gregor-<prefix>-XXXXXX` (no doubled `gregor-`) under the
    /// system temp dir (`TMPDIR` or /tmp). It is removed at process exit if nobody removed it before (kept when
    /// `GREGOR_KEEP_TEST_DIRS` is set), also after a crash; fixtures that own one remove it when they stop.
    public static func make(prefix: String) throws -> URL {
        var clean = String(prefix.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        if !clean.hasPrefix("gregor") { clean = "gregor-" + clean }
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/\(clean)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap(mkdtemp) }
        guard made != nil else { throw FixtureError.systemCall("mkdtemp(\(base))", errno: errno) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let url = URL(fileURLWithPath: path, isDirectory: true)
        ChildRegistry.shared.add(directory: url)
        return url
    }

    /// Removes a directory made by `make` now (and forgets it for the exit cleanup).
    public static func remove(_ directory: URL) {
        try? FileManager.default.removeItem(at: directory)
        ChildRegistry.shared.remove(directory: directory)
    }
}
