import Crypto
import _CryptoExtras

/// The SCRAM key derivations of RFC 5802 section 3 (Kafka's `ScramFormatter`), pure functions of their inputs:
///
///     SaltedPassword = Hi(password, salt, iterations)      -- PBKDF2 with HMAC-H, output size of H
///     ClientKey      = HMAC(SaltedPassword, "Client Key")
///     StoredKey      = H(ClientKey)
///     ServerKey      = HMAC(SaltedPassword, "Server Key")
///
/// A server stores only salt, StoredKey, ServerKey and the iteration count; the password and SaltedPassword never
/// reach ZooKeeper. Admin clients send the salted password, so the broker never sees the password either.
public struct ScramFormatter: Sendable {
    public let mechanism: ScramMechanism

    public init(_ mechanism: ScramMechanism) {
        self.mechanism = mechanism
    }

    /// RFC 5802's Hi(): PBKDF2 over the password's UTF-8 bytes (Kafka normalises nothing: it uses the UTF-8 bytes).
    /// `iterations` must be positive; callers check it against the mechanism's limits first. Throws only when
    /// BoringSSL fails (it cannot allocate).
    public func saltedPassword(_ password: String, salt: [UInt8], iterations: Int32) throws -> [UInt8] {
        precondition(iterations > 0, "SCRAM iterations must be positive")
        let hash: KDF.Insecure.PBKDF2.HashFunction = mechanism == .scramSha256 ? .sha256 : .sha512
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: hash, outputByteCount: mechanism.hashByteCount,
            unsafeUncheckedRounds: Int(iterations))
        return key.withUnsafeBytes { Array($0) }
    }

    public func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch mechanism {
        case .scramSha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .scramSha512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }

    public func hash(_ bytes: [UInt8]) -> [UInt8] {
        switch mechanism {
        case .scramSha256: Array(SHA256.hash(data: bytes))
        case .scramSha512: Array(SHA512.hash(data: bytes))
        }
    }

    public func clientKey(saltedPassword: [UInt8]) -> [UInt8] { hmac(key: saltedPassword, Array("Client Key".utf8)) }
    public func serverKey(saltedPassword: [UInt8]) -> [UInt8] { hmac(key: saltedPassword, Array("Server Key".utf8)) }
    public func storedKey(clientKey: [UInt8]) -> [UInt8] { hash(clientKey) }

    /// Kafka's `generateCredential(salt, saltedPassword, iterations)`: what AlterUserScramCredentials stores.
    public func credential(salt: [UInt8], saltedPassword: [UInt8], iterations: Int32) -> ScramCredential {
        ScramCredential(
            salt: salt, storedKey: storedKey(clientKey: clientKey(saltedPassword: saltedPassword)),
            serverKey: serverKey(saltedPassword: saltedPassword), iterations: iterations)
    }

    /// Kafka's `generateCredential(password, iterations)` with a caller-chosen salt.
    public func credential(password: String, salt: [UInt8], iterations: Int32) throws -> ScramCredential {
        credential(salt: salt, saltedPassword: try saltedPassword(password, salt: salt, iterations: iterations), iterations: iterations)
    }

    /// A fresh random salt shaped as Kafka's `ScramFormatter.secureRandomBytes`: the UTF-8 text of a random 130-bit
    /// number in base 36 (about 26 characters of `0-9a-z`).
    public static func randomSalt() -> [UInt8] {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
        var generator = SystemRandomNumberGenerator()
        // 26 base-36 digits carry 134 bits, just over Kafka's 130.
        return (0..<26).map { _ in digits[Int.random(in: 0..<digits.count, using: &generator)] }
    }
}
