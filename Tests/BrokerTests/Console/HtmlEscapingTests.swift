import Testing

@testable import Broker

/// Every piece of text the console shows goes through `Html.escape`: names and znode data come from users.
@Suite struct HtmlEscapingTests {
    @Test func markupCharactersAreEscaped() {
        #expect(Html.escape(#"<script>alert("x" & 'y')</script>"#)
            == "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;")
    }

    @Test func plainTextAndNonAsciiPassUnchanged() {
        #expect(Html.escape("orders-2024_v1.eu") == "orders-2024_v1.eu")
        #expect(Html.escape("grüße 🚀") == "grüße 🚀")
    }

    @Test func linksEncodeThePathAndEscapeTheLabel() {
        #expect(Html.link(Html.groupPath("a/b?c#d"), "a/b?c#d<") == #"<a href="/groups/a%2Fb%3Fc%23d">a/b?c#d&lt;</a>"#)
        #expect(Html.link(Html.zkPath("/brokers/ids"), "ids") == #"<a href="/zk?path=%2Fbrokers%2Fids">ids</a>"#)
    }

    @Test func aHostileGroupIdIsInertOnItsPage() {
        let sample = ConsoleFixtures.sample()
        let page = ConsolePage.group(
            "<img src=x onerror=alert(1)>", description: .failure(.connectionClosed),
            history: ConsoleHistory(samples: [sample]), adminEnabled: true)
        let html = page.render(.init(brokerId: 1, clusterId: "c\"l", adminEnabled: true))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("cluster c&quot;l"))
    }
}
