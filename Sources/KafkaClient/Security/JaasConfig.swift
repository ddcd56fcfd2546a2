/// A `sasl.jaas.config` value (Kafka's `JaasConfig`): exactly one JAAS login module, its control flag and its
/// options, e.g.
///
///     org.apache.kafka.common.security.plain.PlainLoginModule required
///         username="admin" password="admin-secret" user_alice="alice-secret";
///
/// Options are `key=value` with the value quoted (`"..."`, no escapes, as Java's `StreamTokenizer` reads it) or a
/// bare word. `//` and `/* */` comments are skipped.
public struct JaasConfig: Sendable, Hashable {
    public var loginModule: String
    /// `required`, `requisite`, `sufficient` or `optional`.
    public var controlFlag: String
    public var options: [String: String]

    public init(loginModule: String, controlFlag: String = "required", options: [String: String]) {
        self.loginModule = loginModule
        self.controlFlag = controlFlag
        self.options = options
    }

    public static let plainLoginModule = "org.apache.kafka.common.security.plain.PlainLoginModule"
    public static let scramLoginModule = "org.apache.kafka.common.security.scram.ScramLoginModule"

    /// The login module's `username` and `password` options: what a client (or a broker connecting to another)
    /// authenticates with.
    public var credentials: (username: String, password: String)? {
        guard let username = options["username"], let password = options["password"] else { return nil }
        return (username, password)
    }

    /// PLAIN's users on a broker: every `user_<name>="<password>"` option.
    public var plainUsers: [String: String] {
        var users: [String: String] = [:]
        for (key, value) in options where key.hasPrefix("user_") && key.count > 5 {
            users[String(key.dropFirst(5))] = value
        }
        return users
    }

    public static func parse(_ text: String) throws(JaasConfigError) -> JaasConfig {
        var tokens = try tokenize(text)
        guard !tokens.isEmpty else { throw .init("JAAS config entry not terminated by semi-colon") }
        guard case .word(let module) = tokens.removeFirst() else { throw .init("expected a login module name") }
        guard case .word(let flag)? = tokens.first else {
            throw .init("Login module control flag not specified in JAAS config")
        }
        tokens.removeFirst()
        guard ["required", "requisite", "sufficient", "optional"].contains(flag.lowercased()) else {
            throw .init("Invalid login module control flag '\(flag)' in JAAS config")
        }
        var options: [String: String] = [:]
        while let token = tokens.first {
            tokens.removeFirst()
            switch token {
            case .semicolon:
                guard tokens.isEmpty else {
                    throw .init("JAAS config property contains more than one login module, should be 1 module")
                }
                return JaasConfig(loginModule: module, controlFlag: flag.lowercased(), options: options)
            case .word(let key):
                guard tokens.count >= 2, case .equals = tokens[0] else {
                    throw .init("Value not specified for key '\(key)' in JAAS config")
                }
                switch tokens[1] {
                case .word(let value), .quoted(let value): options[key] = value
                default: throw .init("Value not specified for key '\(key)' in JAAS config")
                }
                tokens.removeFirst(2)
            default:
                throw .init("Unexpected token in JAAS config")
            }
        }
        throw .init("JAAS config entry not terminated by semi-colon")
    }

    private enum Token: Equatable {
        case word(String)
        case quoted(String)
        case equals
        case semicolon
    }

    private static func tokenize(_ text: String) throws(JaasConfigError) -> [Token] {
        var tokens: [Token] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let c = scalars[index]
            if c.properties.isWhitespace {
                index += 1
            } else if c == "/", index + 1 < scalars.count, scalars[index + 1] == "/" {
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            } else if c == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                index += 2
                while index + 1 < scalars.count, !(scalars[index] == "*" && scalars[index + 1] == "/") { index += 1 }
                index += 2
            } else if c == "=" {
                tokens.append(.equals)
                index += 1
            } else if c == ";" {
                tokens.append(.semicolon)
                index += 1
            } else if c == "\"" {
                var value = String.UnicodeScalarView()
                index += 1
                while index < scalars.count, scalars[index] != "\"" {
                    value.append(scalars[index])
                    index += 1
                }
                guard index < scalars.count else { throw .init("Unterminated quoted value in JAAS config") }
                index += 1
                tokens.append(.quoted(String(value)))
            } else {
                var word = String.UnicodeScalarView()
                while index < scalars.count, !scalars[index].properties.isWhitespace,
                    !["=", ";", "\""].contains(scalars[index])
                {
                    word.append(scalars[index])
                    index += 1
                }
                tokens.append(.word(String(word)))
            }
        }
        return tokens
    }
}

public struct JaasConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
