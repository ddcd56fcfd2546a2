/// Splits a schema file into significant lines: indentation, whitespace-separated tokens (a `"quoted"` token may
/// hold spaces), and the `///` doc lines written just above.
struct SchemaLine {
    var number: Int
    var indent: Int
    var tokens: [String]
    var doc: [String]
}

enum SchemaLexer {
    static func lines(_ text: String, file: String) throws(SchemaError) -> [SchemaLine] {
        var result: [SchemaLine] = []
        var doc: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let body = line.drop(while: { $0 == " " })
            if body.first == "\t" { throw SchemaError(file: file, line: number, "indent with spaces, not tabs") }
            if body.hasPrefix("///") {
                doc.append(String(body.dropFirst(3).drop(while: { $0 == " " })))
                continue
            }
            let tokens = try tokenize(body, file: file, line: number)
            if tokens.isEmpty { continue }
            let indent = line.count - body.count
            guard indent % 2 == 0 else {
                throw SchemaError(file: file, line: number, "indentation must be a multiple of two spaces")
            }
            result.append(SchemaLine(number: number, indent: indent / 2, tokens: tokens, doc: doc))
            doc = []
        }
        return result
    }

    /// Whitespace-separated tokens; `#` at the start of a token begins a comment; quotes group spaces and keep their
    /// backslash escapes for `SchemaDefault` to interpret.
    private static func tokenize(_ text: Substring, file: String, line: Int) throws(SchemaError) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text {
            if quoted {
                current.append(character)
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    quoted = false
                }
            } else if character == " " || character == "\t" {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else if character == "#" && current.isEmpty {
                break
            } else {
                if character == "\"" { quoted = true }
                current.append(character)
            }
        }
        if quoted { throw SchemaError(file: file, line: line, "unterminated quoted string") }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }
}
