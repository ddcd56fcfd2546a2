import KafkaProtocol
import Foundation
import Testing

@testable import Storage

@Suite struct JavaPropertiesTests {
    private func pairs(_ text: String) throws -> [String: String] {
        try JavaProperties.parseDictionary(text)
    }

    @Test func commentsAndBlankLinesAreSkipped() throws {
        let text = "# a comment\n! another\n\n   \n  # indented comment\nkey=value\n"
        #expect(try JavaProperties.parse(text) == [JavaProperties.Entry(key: "key", value: "value", line: 6)])
    }

    @Test func separatorsEqualsColonAndWhitespace() throws {
        let parsed = try pairs("a=1\nb:2\nc 3\nd = 4\ne : 5\nf   6\ng\t=\t7\nh = = 8\n")
        #expect(parsed == ["a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "g": "7", "h": "= 8"])
    }

    @Test func keyWithoutValueHasEmptyValue() throws {
        #expect(try pairs("lonely\nempty=\nspaced =   \n") == ["lonely": "", "empty": "", "spaced": ""])
    }

    @Test func leadingWhitespaceAndTrailingWhitespaceAreTrimmed() throws {
        #expect(try pairs("   key = value with spaces   \t\n") == ["key": "value with spaces"])
    }

    @Test func escapedTrailingBlankIsKept() throws {
        #expect(try pairs("key=value\\ \n") == ["key": "value "])
    }

    @Test func lineContinuationJoinsLinesAndDropsLeadingBlanks() throws {
        let text = "listeners=PLAINTEXT://:9092,\\\n          SSL://:9093\nnext=1\n"
        let entries = try JavaProperties.parse(text)
        #expect(entries.map(\.key) == ["listeners", "next"])
        #expect(entries[0].value == "PLAINTEXT://:9092,SSL://:9093")
        #expect(entries[1].line == 3)
    }

    @Test func evenBackslashesDoNotContinue() throws {
        #expect(try pairs("path=C:\\\\\nnext=1\n") == ["path": "C:\\", "next": "1"])
    }

    @Test func continuationAtEndOfInputIsDropped() throws {
        #expect(try pairs("key=value\\") == ["key": "value"])
    }

    @Test func commentLineDoesNotContinue() throws {
        #expect(try pairs("# comment \\\nkey=value\n") == ["key": "value"])
    }

    @Test func escapes() throws {
        let parsed = try pairs(##"k=a\tb\nc\rd\fe\\f\=g\:h\#i\!j\qk"## + "\n" + #"key\ with\=odd\:chars=x"#)
        #expect(parsed["k"] == "a\tb\nc\rd\u{0C}e\\f=g:h#i!jqk")
        #expect(parsed["key with=odd:chars"] == "x")
    }

    @Test func unicodeEscapesIncludingSurrogatePairs() throws {
        #expect(try pairs(#"k=caf\u00e9 \uD83D\uDE00"#) == ["k": "café 😀"])
    }

    @Test func malformedUnicodeEscapeNamesTheLine() throws {
        #expect(throws: JavaPropertiesError.malformedUnicodeEscape(line: 2)) {
            try JavaProperties.parse("a=1\nb=\\u12G4\n")
        }
        #expect(throws: JavaPropertiesError.malformedUnicodeEscape(line: 1)) {
            try JavaProperties.parse("b=\\u12")
        }
    }

    @Test func windowsAndOldMacLineEndings() throws {
        #expect(try pairs("a=1\r\nb=2\rc=3\r\n") == ["a": "1", "b": "2", "c": "3"])
    }

    @Test func duplicateKeysLastWins() throws {
        let text = "a=1\na=2\n"
        #expect(try JavaProperties.parse(text).count == 2)
        #expect(try pairs(text) == ["a": "2"])
    }

    @Test func renderWritesHeaderDateAndEscapedPairs() {
        let date = Date(timeIntervalSince1970: 1_795_520_335)  // Tue Nov 24 11:38:55 UTC 2026
        let text = JavaProperties.render([("a key", " lead=x:y#"), ("b", "é\n")], header: "", date: date)
        #expect(text == "#\n#Tue Nov 24 11:38:55 UTC 2026\na\\ key=\\ lead\\=x\\:y\\#\nb=\\u00E9\\n\n")
    }

    @Test func renderWithoutHeaderOrDate() {
        #expect(JavaProperties.render([("k", "v w")]) == "k=v w\n")
    }

    @Test func roundTripPreservesAwkwardKeysAndValues() throws {
        let original: [(String, String)] = [
            ("plain", "value"),
            (" spaced key ", "  leading and trailing  "),
            ("sep=ar:ated", "a=b:c"),
            ("#hash", "!bang"),
            ("back\\slash", "ends with backslash\\"),
            ("controls", "\t\n\r\u{0C}"),
            ("unicode", "Grüße 😀 日本"),
            ("empty", ""),
        ]
        let parsed = try JavaProperties.parse(JavaProperties.render(original, header: "multi\nline", date: Date()))
        #expect(parsed.map(\.key) == original.map(\.0))
        #expect(parsed.map(\.value) == original.map(\.1))
    }

    @Test func renderedTextIsASCII() {
        let text = JavaProperties.render([("ключ", "значение 😀")], header: "заголовок", date: Date())
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }
}
