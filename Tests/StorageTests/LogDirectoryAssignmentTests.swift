import KafkaProtocol
@testable import Storage
import Testing

/// `LogDirectoryAssignment`: where new logs go (the directory with the fewest, the first on a tie) as logs are
/// assigned, moved and removed.
@Suite("LogDirectoryAssignment")
struct LogDirectoryAssignmentTests {
    private let a = TopicPartition(topic: "t", partition: 0)
    private let b = TopicPartition(topic: "t", partition: 1)
    private let c = TopicPartition(topic: "u", partition: 0)

    @Test("no directories: nowhere to put a log")
    func noDirectories() {
        #expect(LogDirectoryAssignment(logDirs: []).nextLogDir == nil)
    }

    @Test("new logs go to the directory with the fewest, the first configured on a tie")
    func fewestFirst() {
        var dirs = LogDirectoryAssignment(logDirs: ["/d1", "/d2"])
        #expect(dirs.nextLogDir == "/d1")
        dirs.assign(a, to: "/d1")
        #expect(dirs.nextLogDir == "/d2")
        dirs.assign(b, to: "/d2")
        #expect(dirs.nextLogDir == "/d1")
        dirs.assign(c, to: "/d2")
        #expect(dirs.nextLogDir == "/d1")
        #expect(dirs.logCount(in: "/d1") == 1)
        #expect(dirs.logCount(in: "/d2") == 2)
        #expect(dirs.logDir(of: c) == "/d2")
    }

    @Test("a removed log frees its place; removing an unknown partition changes nothing")
    func removal() {
        var dirs = LogDirectoryAssignment(logDirs: ["/d1", "/d2"])
        dirs.assign(a, to: "/d1")
        dirs.assign(b, to: "/d2")
        dirs.assign(c, to: "/d1")
        dirs.remove(a)
        dirs.remove(a)
        dirs.remove(TopicPartition(topic: "never", partition: 0))
        #expect(dirs.logDir(of: a) == nil)
        #expect(dirs.logCount(in: "/d1") == 1)
        #expect(dirs.logCount(in: "/d2") == 1)
        dirs.remove(c)
        #expect(dirs.nextLogDir == "/d1")
        #expect(dirs.logCount(in: "/d1") == 0)
    }

    @Test("assigning a partition again moves it: it counts once, where it is now")
    func reassignment() {
        var dirs = LogDirectoryAssignment(logDirs: ["/d1", "/d2"])
        dirs.assign(a, to: "/d1")
        dirs.assign(a, to: "/d2")
        #expect(dirs.logCount(in: "/d1") == 0)
        #expect(dirs.logCount(in: "/d2") == 1)
        #expect(dirs.logDirByPartition == [a: "/d2"])
    }
}
