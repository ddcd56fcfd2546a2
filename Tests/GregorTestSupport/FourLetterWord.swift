/// ZooKeeper's "four letter word" admin commands (`srvr`, `stat`, `ruok`, `mntr`, `cons`, `conf`) over raw TCP:
/// send the word, read until the server closes the connection. Only commands in the server's
/// `4lw.commands.whitelist` get a real answer.
public enum FourLetterWord {
    /// The server's answer to `command` on 127.0.0.1:`port`; throws `FixtureError.fourLetterWordFailed` if the
    /// connection fails or the whole exchange takes longer than `timeout`.
    public static func send(_ command: String, port: Int, timeout: Duration = .seconds(2)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        do {
            let connection = try await LoopbackConnection.connect(port: port, deadline: deadline)
            try await connection.send(Array(command.utf8), deadline: deadline)
            let answer = try await connection.readToEnd(deadline: deadline)
            return String(decoding: answer, as: UTF8.self)
        } catch let error as FixtureError {
            throw FixtureError.fourLetterWordFailed(command: command, port: port, reason: error.description)
        }
    }
}

extension ZooKeeperServer {
    /// This server's answer to a 4-letter word (see `FourLetterWord.send`).
    public func fourLetterWord(_ command: String, timeout: Duration = .seconds(2)) async throws -> String {
        try await FourLetterWord.send(command, port: port, timeout: timeout)
    }
}
