import Testing
@testable import ZooKeeper

/// `ZooKeeperPath` must refuse exactly what libzookeeper's `isValidPath` refuses (plus NUL, which C cannot see).
struct ZooKeeperPathTests {
    @Test func acceptsWhatTheCClientAccepts() {
        for path in ["/", "/a", "/a/b", "/a.b", "/a..b", "/.a", "/..a", "/a/b.", "/x\u{1F}", "/é", "/a-b_c/0"] {
            #expect(ZooKeeperPath.isValid(path), "\(path.debugDescription)")
        }
    }

    @Test func refusesWhatTheCClientRefuses() {
        for path in ["", "a", "a/b", "//", "/a//b", "/a/", "/.", "/..", "/a/./b", "/a/../b", "/a/.", "/a/..",
                     "/a\u{0}", "/a\u{1}", "/a\u{1E}", "/\n"] {
            #expect(!ZooKeeperPath.isValid(path), "\(path.debugDescription)")
        }
    }

    @Test func sequentialCreatesMayEndWhereTheCounterGoes() {
        for path in ["/a/", "/a/.", "/a/.."] {
            #expect(!ZooKeeperPath.isValid(path))
            #expect(ZooKeeperPath.isValid(path, sequential: true), "\(path.debugDescription)")
        }
        #expect(!ZooKeeperPath.isValid("/a//", sequential: true))
        #expect(!ZooKeeperPath.isValid("/a/./b", sequential: true))
    }
}
