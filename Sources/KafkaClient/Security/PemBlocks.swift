/// The `-----BEGIN <label>-----` ... `-----END <label>-----` blocks of a PEM text, so that a keystore file holding a
/// private key and its certificate chain (Kafka's PEM keystore) is split into the key and the certificates before
/// BoringSSL reads each, and a file without one of them gets an error that says which is missing.
struct PemBlock: Equatable {
    /// `CERTIFICATE`, `PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, `EC PRIVATE KEY`, ...
    var label: String
    /// The block from its BEGIN line to its END line, inclusive (headers such as `Proc-Type` kept).
    var text: String

    var isCertificate: Bool { label == "CERTIFICATE" }
    var isPrivateKey: Bool { label.hasSuffix("PRIVATE KEY") }
    /// PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional key with an encryption header.
    var isEncrypted: Bool { label.hasPrefix("ENCRYPTED") || text.contains("Proc-Type: 4,ENCRYPTED") }

    /// The blocks of `text` in order; text outside blocks (comments, `Bag Attributes` lines) is ignored, and so is a
    /// block without its END line.
    static func parse(_ text: String) -> [PemBlock] {
        var blocks: [PemBlock] = []
        var open: (label: String, lines: [Substring])?
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let trimmed = line.trimmingWhitespace
            if let label = trimmed.pemLabel(after: "-----BEGIN ") {
                open = (label, [trimmed])
            } else if let label = trimmed.pemLabel(after: "-----END "), let current = open {
                if label == current.label {
                    blocks.append(PemBlock(label: label, text: (current.lines + [trimmed]).joined(separator: "\n") + "\n"))
                }
                open = nil
            } else if open != nil {
                open?.lines.append(trimmed)
            }
        }
        return blocks
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: Substring {
        var result = self
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }

    fileprivate func pemLabel(after prefix: String) -> String? {
        guard hasPrefix(prefix), hasSuffix("-----"), count >= prefix.count + 5 else { return nil }
        return String(dropFirst(prefix.count).dropLast(5))
    }
}
