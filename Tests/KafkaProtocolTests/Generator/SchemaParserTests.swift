import Testing

@testable import KafkaProtocolGenerator

/// The generator's own rules: schema mistakes are reported at their file and line, and Kafka names map to the
/// Swift names the rest of Gregor codes against.
@Suite struct SchemaParserTests {
    static func error(_ text: String, file: String = "FooRequest.schema") -> SchemaError? {
        do {
            _ = try ProtocolGenerator.resolve([SchemaSource(name: file, text: text)])
            return nil
        } catch {
            return error
        }
    }

    static let header = "request FooRequest key=3 versions=0-4 flexible=2+\n"

    @Test func reportsFileAndLine() {
        let error = Self.error(Self.header + "  A int32 0+\n  B int33 0+\n")
        #expect(error?.description == "FooRequest.schema:3: `int33` is not a valid struct name")
    }

    @Test(arguments: [
        ("  A int32 0+ nulable=0+\n", 2, "unknown attribute(s): nulable="),
        ("  A int32 0+ nullable=0+\n", 2, "A: only strings, bytes, records and arrays can be nullable"),
        ("  A int32 5+\n", 2, "A: versions 5+ are outside the message's versions 0-4"),
        ("  A int32 0+ tagged=0+ tag=0\n", 2, "A: tagged versions must be flexible versions (2+)"),
        ("  A int32 2+ tagged=2+\n", 2, "A: tagged= and tag= go together"),
        ("  A string 0+ default=null\n", 2, "default=null for A: null needs nullable= versions"),
        ("  A int8 0+ default=300\n", 2, "default=300 for A: out of range"),
        ("  A []Bar 0+\n", 2, "struct Bar is not declared"),
        ("  A []Bar 0+\n    X int8 0+\n  B []Bar 0+\n    Y int8 0+\n", 4, "struct Bar is declared twice"),
        ("  A int8 0+\n   B int8 0+\n", 3, "indentation must be a multiple of two spaces"),
        ("  A int8 0+\n  a int8 0+\n", 3, "two fields map to Swift property a"),
        ("  A int8 0+\nstruct Unused\n  X int8 0+\n", 3, "struct Unused is never used"),
    ])
    func rejects(body: String, line: Int, message: String) {
        #expect(Self.error(Self.header + body) == SchemaError(file: "FooRequest.schema", line: line, message))
    }

    @Test func fileNameMustMatchTheMessage() {
        #expect(Self.error(Self.header, file: "BarRequest.schema")?.message == "file must be named FooRequest.schema")
    }

    @Test func propertyNames() {
        #expect(SwiftNaming.property("ErrorCode") == "errorCode")
        #expect(SwiftNaming.property("IsrNodes") == "isrNodes")
        #expect(SwiftNaming.property("ISRNodes") == "isrNodes")
        #expect(SwiftNaming.property("ID") == "id")
        #expect(SwiftNaming.property("V0Host") == "v0Host")
        #expect(SwiftNaming.property("timeoutMs") == "timeoutMs")
        #expect(SwiftNaming.property("Default") == "`default`")
        #expect(SwiftNaming.wire("ClientSoftwareName") == "client_software_name")
        #expect(SwiftNaming.wire("ISRNodes") == "isr_nodes")
        #expect(SwiftNaming.wire("V0Host") == "v0_host")
    }

    @Test func defaultsFollowKafka() throws {
        let text =
            Self.header + """
                  A int32 0+ default=0x7fffffff
                  B int32 0+ default=-2147483648
                  C string 0+ nullable=1+
                  D string 0+ nullable=0+ default=null
                  E []int32 0+ nullable=0+
                  F records 0+ nullable=0+
                  G string 0+ default="a \\"b\\""

                """
        let message = try ProtocolGenerator.resolve([SchemaSource(name: "FooRequest.schema", text: text)])[0]
        let defaults = message.top.fields.map(\.defaultExpression)
        #expect(defaults == ["2147483647", "-2147483648", "\"\"", "nil", "[]", "nil", "\"a \\\"b\\\"\""])
        #expect(
            message.top.fields.map(\.swiftType) == [
                "Int32", "Int32", "String?", "String?", "[Int32]?", "KafkaRecords?", "String",
            ])
    }

    @Test func versionConditions() {
        let valid = VersionRange(0, 11)
        #expect(VersionRange(parsing: "0+")?.condition(within: valid) == nil)
        #expect(VersionRange(parsing: "4+")?.condition(within: valid) == "version >= 4")
        #expect(VersionRange(parsing: "0-5")?.condition(within: valid) == "version <= 5")
        #expect(VersionRange(parsing: "8-10")?.condition(within: valid) == "(8...10).contains(version)")
        #expect(VersionRange(parsing: "3")?.condition(within: valid) == "version == 3")
        #expect(VersionRange(parsing: "none")?.isEmpty == true)
        #expect(VersionRange(parsing: "5-3") == nil)
    }
}
