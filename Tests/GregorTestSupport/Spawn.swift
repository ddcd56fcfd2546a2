import Foundation
import Glibc

/// Starting and reaping child processes with `posix_spawn` and `waitpid`.
///
/// Not `Foundation.Process`: on Linux it creates a non-close-on-exec socket pair per child to notice its exit,
/// and closes inherited descriptors with a racy loop, so children started concurrently inherit each other's
/// sockets; a long-lived child (a ZooKeeper JVM, the orphan watchdog) then hides a short-lived child's exit
/// until it ends itself. Here every child gets exactly stdin, stdout and stderr (`closefrom(3)` in the child,
/// atomic with the spawn), default signal dispositions, an empty signal mask, and its own process group.
enum Spawn {
    /// Starts `executable` with `arguments` (argv[0] is the executable path). `stdin`/`output` are descriptors
    /// to install as 0 and 1+2, or nil for /dev/null. `environment` nil means this process's environment.
    static func start(
        _ executable: String, arguments: [String], environment: [String: String]?, stdin: Int32?, output: Int32?
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        for target: Int32 in [1, 2] {
            if let output {
                posix_spawn_file_actions_adddup2(&actions, output, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            }
        }
        try closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = CStringArray([executable] + arguments)
        let variables = environment ?? ProcessInfo.processInfo.environment
        let envp = CStringArray(variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        var pid: pid_t = 0
        var result = posix_spawn(&pid, executable, &actions, &attributes, argv.pointers, envp.pointers)
        // ETXTBSY: a test just wrote this executable and a child forked concurrently elsewhere in this process
        // still holds the write descriptor until its own exec; that lasts microseconds, so retry briefly.
        var retries = 0
        while result == ETXTBSY, retries < 100 {
            usleep(5_000)
            retries += 1
            result = posix_spawn(&pid, executable, &actions, &attributes, argv.pointers, envp.pointers)
        }
        guard result == 0 else { throw FixtureError.systemCall("posix_spawn(\(executable))", errno: result) }
        return pid
    }

    /// Reaps `pid` if it has ended: nil while it runs, else its status as `ExitStatus` reports it.
    static func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else {
            // ECHILD: someone else reaped it (a stray waitpid(-1)); the status is lost but it has ended.
            return result == -1 && errno == ECHILD ? ExitStatus.unknown : nil
        }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : ExitStatus.killed(by: signal)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc >= 2.34 has `posix_spawn_file_actions_addclosefrom_np`, but Swift's Glibc module does not import
    /// it, so it is looked up at run time.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) throws {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { throw FixtureError.systemCall("dlsym(posix_spawn_file_actions_addclosefrom_np)", errno: ENOSYS) }
        let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
        let result = addCloseFrom(&actions, 3)
        guard result == 0 else {
            throw FixtureError.systemCall("posix_spawn_file_actions_addclosefrom_np", errno: result)
        }
    }
}

/// A NULL-terminated array of C strings that frees itself.
private final class CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[count] = nil
    }

    deinit {
        for index in 0..<count { free(pointers[index]) }
        pointers.deallocate()
    }
}
