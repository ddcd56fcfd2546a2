import Testing

@testable import KafkaClient

/// `sasl.jaas.config` values as Kafka's `JaasConfig` reads them.
@Suite struct JaasConfigTests {
    @Test func readsPlainUsersAndCredentials() throws {
        let jaas = try JaasConfig.parse("""
            org.apache.kafka.common.security.plain.PlainLoginModule required
              username="admin" password="admin-secret"   // the broker's own login
              user_admin="admin-secret" user_alice="alice secret; with = signs";
            """)
        #expect(jaas.loginModule == JaasConfig.plainLoginModule)
        #expect(jaas.controlFlag == "required")
        #expect(jaas.credentials?.username == "admin" && jaas.credentials?.password == "admin-secret")
        #expect(jaas.plainUsers == ["admin": "admin-secret", "alice": "alice secret; with = signs"])
    }

    @Test func bareValuesAndBlockComments() throws {
        let jaas = try JaasConfig.parse("a.B Optional /* c */ debug=true;")
        #expect(jaas.controlFlag == "optional" && jaas.options == ["debug": "true"])
    }

    @Test(arguments: [
        ("", "not terminated"),
        ("a.B required", "not terminated"),
        ("a.B required username=\"x\"", "not terminated"),
        ("a.B", "control flag not specified"),
        ("a.B maybe;", "Invalid login module control flag"),
        ("a.B required username;", "Value not specified for key 'username'"),
        ("a.B required username=\"x;", "Unterminated"),
        ("a.B required; c.D required;", "more than one login module"),
    ])
    func refusesMalformedConfigs(_ text: String, _ fragment: String) {
        do {
            _ = try JaasConfig.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }
}
