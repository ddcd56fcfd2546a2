/// The console's stylesheet and its one script, served by the broker itself (`/assets/...`): the machines have no
/// internet, and there is no build step, so both are plain text here.
enum ConsoleAssets {
    static func respond(to path: String) -> HttpResponse? {
        switch path {
        case "/assets/console.css":
            HttpResponse(contentType: "text/css; charset=utf-8", body: Array(css.utf8))
        case "/assets/console.js":
            HttpResponse(contentType: "text/javascript; charset=utf-8", body: Array(script.utf8))
        default:
            nil
        }
    }

    /// Live refresh, optional: every page works without it. Every few seconds it fetches the same URL and swaps in
    /// the new `<main>`, unless a form field has the focus (someone is typing) or the reader switched it off.
    static let script = """
        (function () {
          "use strict";
          var body = document.body;
          var seconds = Number(body.getAttribute("data-refresh-seconds")) || 5;
          var toggle = document.getElementById("live-refresh");
          var stored = null;
          try { stored = window.localStorage.getItem("gregor-live-refresh"); } catch (e) {}
          if (toggle) {
            toggle.hidden = false;
            var box = toggle.querySelector("input");
            box.checked = stored !== "off";
            box.addEventListener("change", function () {
              try { window.localStorage.setItem("gregor-live-refresh", box.checked ? "on" : "off"); } catch (e) {}
            });
          }
          function enabled() {
            var box = toggle && toggle.querySelector("input");
            return !box || box.checked;
          }
          function typing() {
            var active = document.activeElement;
            return active && active.form !== undefined && active.form !== null;
          }
          function refresh() {
            if (!enabled() || typing() || document.hidden) { return schedule(); }
            fetch(window.location.href, { headers: { "X-Console-Refresh": "1" }, cache: "no-store" })
              .then(function (response) { return response.ok ? response.text() : null; })
              .then(function (text) {
                if (text === null || typing()) { return; }
                var page = new DOMParser().parseFromString(text, "text/html");
                var fresh = page.querySelector("main");
                var current = document.querySelector("main");
                if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
                var stamp = document.getElementById("refreshed-at");
                if (stamp) { stamp.textContent = "updated " + new Date().toLocaleTimeString(); }
              })
              .catch(function () {})
              .then(schedule);
          }
          function schedule() { window.setTimeout(refresh, seconds * 1000); }
          schedule();
        })();

        """

    static let css = """
        :root { --fg: #1b1b1b; --muted: #5b5b5b; --line: #d8d8d8; --bg: #fafafa; --accent: #1f5fa8;
                --warn-bg: #fff3cd; --warn-fg: #6b4e00; --bad-bg: #f8d7da; --bad-fg: #7a1620; --ok-fg: #1e6b2e; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
               color: var(--fg); background: var(--bg); }
        header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 1.5em; padding: .6em 1.2em;
                 background: #20262e; color: #f2f2f2; }
        header .brand { font-weight: 600; font-size: 1.1em; }
        header nav a { color: #cfe2ff; margin-right: 1em; text-decoration: none; }
        header nav a.current { color: #fff; border-bottom: 2px solid #fff; }
        header .status { margin-left: auto; color: #b8b8b8; font-size: .9em; }
        main { padding: 1em 1.2em 2em; max-width: 1200px; }
        h1 { font-size: 1.4em; margin: .3em 0 .6em; }
        h2 { font-size: 1.15em; margin: 1.4em 0 .5em; }
        a { color: var(--accent); }
        table { border-collapse: collapse; background: #fff; margin: .4em 0 1em; }
        th, td { border: 1px solid var(--line); padding: .3em .6em; text-align: left; vertical-align: top; }
        th { background: #eef1f4; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.under-replicated td { background: var(--warn-bg); color: var(--warn-fg); }
        tr.offline td { background: var(--bad-bg); color: var(--bad-fg); }
        .badge { display: inline-block; padding: 0 .45em; border-radius: 3px; font-size: .85em; font-weight: 600;
                 border: 1px solid currentColor; }
        .badge.warn { color: var(--warn-fg); background: var(--warn-bg); }
        .badge.bad { color: var(--bad-fg); background: var(--bad-bg); }
        .badge.ok { color: var(--ok-fg); }
        .cards { display: flex; flex-wrap: wrap; gap: .8em; margin: .5em 0 1em; padding: 0; list-style: none; }
        .cards li { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: .5em .9em; min-width: 9em; }
        .cards .value { display: block; font-size: 1.5em; font-weight: 600; }
        .cards .label { color: var(--muted); font-size: .9em; }
        .charts { display: flex; flex-wrap: wrap; gap: 1.2em; }
        figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: .5em; }
        figure.chart figcaption { font-weight: 600; margin-bottom: .3em; }
        figure.chart svg { display: block; max-width: 100%; height: auto; }
        .legend { list-style: none; padding: 0; margin: .3em 0 0; display: flex; flex-wrap: wrap; gap: .3em 1em; font-size: .9em; }
        .swatch { display: inline-block; width: .9em; height: .9em; margin-right: .3em; vertical-align: -1px; border-radius: 2px; }
        .chart-empty, .muted { color: var(--muted); }
        .notice { padding: .5em .8em; border-radius: 4px; background: #d1e7dd; color: #0f5132; margin: .5em 0; }
        .error { padding: .5em .8em; border-radius: 4px; background: var(--bad-bg); color: var(--bad-fg); margin: .5em 0; }
        pre.znode-data { background: #fff; border: 1px solid var(--line); padding: .6em; overflow-x: auto; white-space: pre-wrap;
                         word-break: break-all; max-height: 30em; }
        form.admin { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: .6em .9em; display: inline-block; }
        form.admin label { margin-right: .8em; }
        form.admin input[type=text] { width: 14em; }
        form.admin input[type=number] { width: 6em; }
        .breadcrumbs a { margin: 0 .1em; }
        #live-refresh { font-size: .9em; }

        """
}
