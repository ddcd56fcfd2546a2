import Foundation

/// Where the executables built with the tests (`gregor-server`, `gregor`) are.
///
/// `GREGOR_BIN_DIR` wins if set. Otherwise the search starts at the running test binary: `swift test` on Linux
/// runs `.build/<triple>/debug/GregorPackageTests.xctest`, and SwiftPM puts the package's executables in that
/// same directory. Both the kernel's view (`/proc/self/exe`) and `CommandLine.arguments[0]` are tried, walking up
/// a few parent directories, so wrappers and symlinks do not hide it.
public enum GregorBinaries {
    /// The executable `name`, or `FixtureError.binaryNotFound` listing every directory searched.
    public static func url(of name: String) throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        var searched: [String] = []
        if let directory = environment["GREGOR_BIN_DIR"], !directory.isEmpty {
            let candidate = URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent(name)
            if isExecutable(candidate) { return candidate }
            throw FixtureError.binaryNotFound(name: name, searched: ["GREGOR_BIN_DIR=\(directory)"])
        }
        for start in startingPoints() {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                searched.append(directory.path)
                let candidate = directory.appendingPathComponent(name)
                if isExecutable(candidate) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw FixtureError.binaryNotFound(name: name, searched: searched)
    }

    /// The running binary as the kernel sees it, then as it was invoked.
    private static func startingPoints() -> [URL] {
        var points: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            points.append(URL(fileURLWithPath: exe))
        }
        if let first = CommandLine.arguments.first, !first.isEmpty {
            let invoked = URL(fileURLWithPath: first).standardizedFileURL
            points.append(invoked)
            points.append(invoked.resolvingSymlinksInPath())
        }
        return points
    }

    private static func isExecutable(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: url.path)
    }
}
