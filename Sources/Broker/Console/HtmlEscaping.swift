/// HTML escaping for every piece of text the console puts into a page: topic names, group ids, client ids, znode
/// data and error messages all come from users or the wire, so none of them goes into markup unescaped.
enum Html {
    /// Escapes text for element content and for double- or single-quoted attribute values.
    static func escape(_ text: some StringProtocol) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// An `href` to a console path: percent-encoded (so a group id may hold '?', '#' or '/'), then escaped.
    static func link(_ path: String, _ label: some StringProtocol) -> String {
        "<a href=\"\(escape(path))\">\(escape(label))</a>"
    }

    /// `/topics/<name>`.
    static func topicPath(_ topic: String) -> String { "/topics/" + HttpQuery.encodeComponent(topic) }

    /// `/groups/<id>`.
    static func groupPath(_ group: String) -> String { "/groups/" + HttpQuery.encodeComponent(group) }

    /// `/zk?path=<path>`.
    static func zkPath(_ path: String) -> String { "/zk?path=" + HttpQuery.encodeComponent(path) }
}
