import KafkaProtocol
import Foundation
import GregorTestSupport

/// A fresh temporary directory, removed when the last reference goes. Keep it in a suite's stored property: Swift
/// Testing makes a new suite instance for every test and keeps it alive until the test ends, so the directory
/// cannot vanish while the test still uses files in it (a local would be released after its last use).
final class ScratchDirectory {
    let url: URL
    var path: String { url.path }

    init(_ prefix: String) throws {
        url = try TemporaryDirectory.make(prefix: prefix)
    }

    func child(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// A file's length in bytes, read with `stat` (not through the code under test).
    static func lengthBytes(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.intValue ?? -1
    }

    /// A file's raw bytes.
    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    deinit { TemporaryDirectory.remove(url) }
}
