/// Kafka names to Swift names: the naming contract other modules code against.
enum SwiftNaming {
    /// `ErrorCode` -> `errorCode`, `ISRNodes` -> `isrNodes` (a leading capital run is lowered, keeping the capital
    /// that starts the next word), `V0Host` -> `v0Host`, `timeoutMs` unchanged; Swift keywords are backticked.
    static func property(_ kafkaName: String) -> String {
        let characters = Array(kafkaName)
        var run = 0
        while run < characters.count, characters[run].isUppercase { run += 1 }
        var lowered = run
        if run > 1, run < characters.count, characters[run].isLowercase { lowered = run - 1 }
        let name = String(characters[..<lowered]).lowercased() + String(characters[lowered...])
        return keywords.contains(name) ? "`\(name)`" : name
    }

    /// `ClientSoftwareName` -> `client_software_name`: the protocol guide's spelling, used in error messages.
    static func wire(_ kafkaName: String) -> String {
        let characters = Array(kafkaName)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) {
                    result.append("_")
                }
            }
            result += character.lowercased()
        }
        return result
    }

    /// `Metadata` -> `metadata`, `LeaderAndIsr` -> `leaderAndIsr`: the `ApiKey` static for an API.
    static func apiKeyMember(_ apiName: String) -> String {
        guard let first = apiName.first else { return apiName }
        return first.lowercased() + apiName.dropFirst()
    }

    private static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
        "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
        "while", "as", "await", "false", "is", "nil", "self", "super", "throws", "true", "try", "any", "some",
    ]
}
