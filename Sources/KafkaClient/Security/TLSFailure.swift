import NIOCore
import NIOSSL

/// TLS errors as people read them, for the client's `connectionFailed` and the broker's handshake log lines.
public enum TLSFailure {
    /// A TLS failure in a few words: "certificate verify failed" rather than BoringSSL's error stack.
    public static func reason(_ error: any Error) -> String {
        if case NIOSSLError.handshakeFailed(let underlying) = error {
            switch underlying {
            case .sslError(let stack), .unknownError(let stack):
                let reasons = stack.map { boringSSLReason("\($0)") }
                return reasons.isEmpty ? "\(underlying)" : reasons.joined(separator: "; ")
            default:
                return "\(underlying)"
            }
        }
        if let error = error as? NIOSSLExtraError { return "\(error)" }
        if let error = error as? ChannelError, error == .eof || error == .ioOnClosedChannel {
            return "the connection closed during the handshake (does the other side speak TLS?)"
        }
        return "\(error)"
    }

    /// `error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at file:line` -> "certificate verify
    /// failed".
    private static func boringSSLReason(_ text: String) -> String {
        var reason = Substring(text)
        if let range = reason.range(of: "OPENSSL_internal:") { reason = reason[range.upperBound...] }
        if let range = reason.range(of: " at ") { reason = reason[..<range.lowerBound] }
        return String(reason.lowercased().map { $0 == "_" ? " " : $0 })
    }
}
