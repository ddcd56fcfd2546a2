/// Accumulates indented Swift source, four spaces per level.
struct CodeWriter {
    private(set) var text = ""
    private var level = 0

    mutating func line(_ content: String = "") {
        if content.isEmpty {
            text += "\n"
        } else {
            text += String(repeating: "    ", count: level) + content + "\n"
        }
    }

    mutating func doc(_ lines: [String]) {
        for docLine in lines { line(docLine.isEmpty ? "///" : "/// " + docLine) }
    }

    /// `header {`, the body one level in, then `}`.
    mutating func block(_ header: String, _ body: (inout CodeWriter) -> Void) {
        line(header + " {")
        level += 1
        body(&self)
        level -= 1
        line("}")
    }

    /// The body, wrapped in `if condition { }` unless the condition is nil (always true).
    mutating func when(_ condition: String?, _ body: (inout CodeWriter) -> Void) {
        if let condition {
            block("if \(condition)", body)
        } else {
            body(&self)
        }
    }
}
