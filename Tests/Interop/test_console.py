"""The web console (`/` on `metrics.listener`) in headless Chromium against a real 3-broker cluster.

Each page is loaded by Debian's `chromium` (`--dump-dom` gives the DOM after the page's script ran) and the tests
assert what a person would read there: the brokers and the controller, a znode's children and stat, a created topic,
a group's lag rising while it is stopped and a producer keeps writing, and the partitions of a killed broker marked
under-replicated. Screenshots go to var/test/console-<page>.png for a person to look at. Broker 1 has
`console.admin.enable=true`, the others are read-only.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html.parser import HTMLParser

import pytest

import gregor_harness as harness
from conftest import needs_gregor_process
from replication_cluster import Cluster

pytestmark = pytest.mark.timeout(300)

SCREENSHOTS = harness.REPO_ROOT / "var" / "test"
CHROMIUM = shutil.which("chromium")


class Page(HTMLParser):
    """A page as a person reads it: its visible text, and each table (by id) as rows of cell texts with the row's
    class."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self.ids: dict[str, str] = {}
        self._text: list[str] = []
        self._table: str | None = None
        self._row: tuple[str, list[str]] | None = None
        self._cell: list[str] | None = None
        self._open_ids: list[tuple[str, str, list[str]]] = []
        self._skip = 0
        self.feed(html)
        self.text = " ".join("".join(self._text).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "table":
            self._table = attrs.get("id", "")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = (attrs.get("class") or "", [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if "id" in attrs and tag not in ("table",):
            self._open_ids.append((attrs["id"], tag, []))
        if tag in ("br", "li", "p", "td", "th", "tr", "h1", "h2"):
            self._text.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        if self._open_ids and self._open_ids[-1][1] == tag:
            element_id, _, parts = self._open_ids.pop()
            self.ids[element_id] = " ".join("".join(parts).split())
        self._text.append(" ")

    def handle_data(self, data):
        if self._skip:
            return
        self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        for _, _, parts in self._open_ids:
            parts.append(data + " ")

    def rows(self, table: str) -> list[tuple[str, list[str]]]:
        """The body rows (header row left out)."""
        return self.tables.get(table, [])[1:]


@pytest.fixture(scope="module")
def cluster(interop_tmp, zookeeper, server_bin):
    needs_gregor_process()
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/setup.sh installs it)")
    c = Cluster(server_bin, zookeeper.connect, interop_tmp / f"console-{uuid.uuid4().hex[:6]}",
                properties={"auto.leader.rebalance.enable": "false"})
    c.serve_metrics()
    c.broker(1).extra_properties["console.admin.enable"] = "true"
    c.start_for_test()
    yield c
    c.stop()


@pytest.fixture(scope="module")
def browser_profile():
    directory = tempfile.mkdtemp(prefix="gregor-console-chromium-")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def url(broker, path: str) -> str:
    return f"http://127.0.0.1:{broker.metrics_port}{path}"


def chromium(profile: str, *args: str) -> subprocess.CompletedProcess:
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", f"--user-data-dir={profile}", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=90)


def browse(profile: str, broker, path: str, virtual_time_ms: int | None = None) -> Page:
    """The page's DOM after its scripts ran, as Chromium has it; with `virtual_time_ms`, after that much (virtual)
    time, so that timers such as the live refresh fire."""
    budget = [f"--virtual-time-budget={virtual_time_ms}"] if virtual_time_ms else []
    done = chromium(profile, *budget, "--dump-dom", url(broker, path))
    assert done.returncode == 0 and "<main>" in done.stdout, f"chromium --dump-dom failed: {done.stderr[-2000:]}"
    return Page(done.stdout)


def screenshot(profile: str, broker, path: str, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"console-{name}.png"
    target.unlink(missing_ok=True)
    done = chromium(profile, f"--screenshot={target}", "--window-size=1280,1000", "--hide-scrollbars",
                    url(broker, path))
    assert target.exists() and target.stat().st_size > 10_000, f"no screenshot {target}: {done.stderr[-2000:]}"


def fetch(broker, path: str) -> Page:
    with urllib.request.urlopen(url(broker, path), timeout=20) as response:
        return Page(response.read().decode())


def wait_page(broker, path: str, predicate, what: str, timeout: float = 60.0) -> Page:
    """Polls the page (plain HTTP, cheap) until `predicate(page)` holds; the sampler runs every 5 s."""
    def ok():
        page = fetch(broker, path)
        return page if predicate(page) else None
    return Cluster.wait(ok, timeout, what, interval=1.0)


def post(broker, path: str, form: dict) -> tuple[int, str, str]:
    """(status, Location, body) of a form POST, without following the redirect."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url(broker, path), data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location", ""), e.read().decode()


def total_lag(page: Page) -> int:
    return int(page.ids["total-lag"].split()[0])


def produce(bootstrap: str, topic: str, count: int):
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    for i in range(count):
        producer.produce(topic, value=b"x" * 100, partition=i % 3)
        producer.poll(0)
    assert producer.flush(60) == 0


def consume_and_commit(bootstrap: str, topic: str, group: str, expected: int):
    from confluent_kafka import Consumer
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "client.id": "console-test-consumer"})
    consumer.subscribe([topic])
    seen = 0
    try:
        deadline = time.monotonic() + 60
        while seen < expected and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                seen += 1
        assert seen == expected, f"consumed {seen} of {expected}"
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()


def test_overview_lists_the_brokers_and_the_controller(cluster, browser_profile):
    b1 = cluster.broker(1)
    wait_page(b1, "/", lambda p: len(p.rows("brokers")) == 3, "three brokers on the overview")
    controller = cluster.wait(lambda: set(cluster.controller_ids().values()) == {cluster.controller_ids().get(1)}
                              and cluster.controller_ids().get(1), 30, "one controller")
    page = browse(browser_profile, b1, "/")
    rows = page.rows("brokers")
    assert [cells[0] for _, cells in rows] == ["1", "2", "3"]
    for _, cells in rows:
        assert cells[1] == f"PLAINTEXT://127.0.0.1:{cluster.broker(int(cells[0])).port}"
        assert int(cells[3]) > 0, f"registration epoch (czxid of /brokers/ids/{cells[0]}): {cells}"
    [controller_row] = [cells for _, cells in rows if "controller" in cells[4]]
    assert controller_row[0] == str(controller)
    assert page.ids["controller"].startswith(f"{controller} controller (epoch ")
    assert page.ids["broker-count"] == "3 brokers"
    screenshot(browser_profile, b1, "/", "overview")
    # The optional script: after a few seconds it has fetched the page again and swapped in the new content.
    refreshed = browse(browser_profile, b1, "/", virtual_time_ms=12_000)
    assert refreshed.ids["refreshed-at"].startswith("updated "), refreshed.ids.get("refreshed-at")
    assert len(refreshed.rows("brokers")) == 3


def test_zookeeper_page_browses_znodes_read_only(cluster, browser_profile):
    b1 = cluster.broker(1)
    page = browse(browser_profile, b1, "/zk?path=/brokers/ids")
    assert page.ids["children"].split() == ["1", "2", "3"]
    stat = {cells[0]: cells[1] for _, cells in page.tables["stat"]}
    for field in ["czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion", "ephemeralOwner",
                  "dataLength", "numChildren"]:
        assert field in stat, stat
    assert stat["numChildren"] == "3"
    one = browse(browser_profile, b1, "/zk?path=/brokers/ids/1")
    assert f'"port":{b1.port}' in one.ids["znode-data"]
    assert "(ephemeral)" in {cells[0]: cells[1] for _, cells in one.tables["stat"]}["ephemeralOwner"]
    screenshot(browser_profile, b1, "/zk?path=/brokers/ids", "zookeeper")
    missing = urllib.request.Request(url(b1, "/zk?path=/no/such/znode"))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(missing, timeout=20)
    assert refused.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url(b1, "/zk?path=/brokers//ids"), timeout=20)
    assert refused.value.code == 400


def test_create_topic_on_the_admin_broker_and_refused_on_a_read_only_one(cluster, browser_profile):
    b1, b2 = cluster.broker(1), cluster.broker(2)
    topic = f"console-created-{uuid.uuid4().hex[:6]}"
    status, _, body = post(b2, "/topics", {"name": topic, "partitions": "2", "replicationFactor": "2"})
    assert status == 403
    assert "console.admin.enable=true" in body
    assert "create-topic" not in fetch(b2, "/topics").ids

    status, location, _ = post(b1, "/topics", {"name": topic, "partitions": "2", "replicationFactor": "2"})
    assert status == 303 and location.startswith("/topics?notice=")
    notice = browse(browser_profile, b1, location)
    assert f"Created topic {topic} with 2 partitions and replication factor 2." in notice.text
    page = wait_page(b1, "/topics", lambda p: any(cells[0] == topic for _, cells in p.rows("topics")),
                     f"{topic} listed")
    [row] = [cells for _, cells in page.rows("topics") if cells[0] == topic]
    assert row[1:3] == ["2", "2"]
    status, location, _ = post(b1, "/topics", {"name": topic, "partitions": "2", "replicationFactor": "2"})
    assert status == 303 and location.startswith("/topics?error=")
    assert "already exists" in browse(browser_profile, b1, location).text
    screenshot(browser_profile, b1, "/topics", "topics")


def test_a_stopped_groups_lag_rises_and_an_admin_can_reset_it(cluster, browser_profile):
    b1 = cluster.broker(1)
    topic = f"console-lag-{uuid.uuid4().hex[:6]}"
    group = f"console-group-{uuid.uuid4().hex[:6]}"
    cluster.create_topic(topic, partitions=3, rf=3)
    produce(cluster.bootstrap, topic, 300)
    consume_and_commit(cluster.bootstrap, topic, group, 300)
    path = "/groups/" + urllib.parse.quote(group, safe="")
    first = wait_page(b1, path, lambda p: len(p.rows("offsets")) == 3 and total_lag(p) == 0,
                      "the group's committed offsets, no lag")
    assert [cells[2] for _, cells in first.rows("offsets")] == ["100", "100", "100"]

    produce(cluster.bootstrap, topic, 150)
    rising = wait_page(b1, path, lambda p: total_lag(p) == 150, "lag 150")
    produce(cluster.bootstrap, topic, 150)
    risen = wait_page(b1, path, lambda p: total_lag(p) == 300, "lag 300")
    assert [cells[4] for _, cells in rising.rows("offsets")] == ["50", "50", "50"]
    page = browse(browser_profile, b1, path)
    assert page.ids["group-state"] == "Empty state"
    assert [cells[4] for _, cells in page.rows("offsets")] == ["100", "100", "100"]
    assert "No active members." in page.text
    assert total_lag(risen) == 300
    screenshot(browser_profile, b1, path, "group")

    assert post(cluster.broker(3), path, {"topic": topic, "to": "latest"})[0] == 403
    status, location, _ = post(b1, path, {"topic": topic, "to": "latest"})
    assert status == 303 and "notice=" in location, location
    wait_page(b1, path, lambda p: total_lag(p) == 0, "lag 0 after the reset to latest")
    groups = browse(browser_profile, b1, "/groups")
    assert any(cells[0] == group and cells[1] == "Empty" for _, cells in groups.rows("groups"))
    screenshot(browser_profile, b1, "/groups", "groups")


def test_a_killed_brokers_partitions_are_marked_under_replicated(cluster, browser_profile):
    b1 = cluster.broker(1)
    topic = f"console-urp-{uuid.uuid4().hex[:6]}"
    cluster.create_topic(topic, partitions=3, rf=3)
    path = f"/topics/{topic}"
    healthy = wait_page(b1, path, lambda p: len(p.rows("partitions")) == 3, f"{topic}'s page")
    assert all(cells[-1] == "ok" for _, cells in healthy.rows("partitions"))

    victim = cluster.broker(3)
    victim.kill9()
    wait_page(b1, path, lambda p: all(cls == "under-replicated" for cls, _ in p.rows("partitions")),
              f"every partition of {topic} under-replicated after broker 3 died", timeout=90)
    page = browse(browser_profile, b1, path)
    for cls, cells in page.rows("partitions"):
        assert cls == "under-replicated", cells
        assert cells[-1].startswith("under-replicated not in sync: 3"), cells
        assert "3" not in cells[4].split(", "), f"ISR still has 3: {cells}"
        assert cells[1] in ("1", "2")
    assert int(page.ids["under-replicated-count"].split()[0]) == 3
    screenshot(browser_profile, b1, path, "topic-under-replicated")
    overview = wait_page(b1, "/", lambda p: len(p.rows("brokers")) == 2, "two brokers on the overview")
    assert int(overview.ids["under-replicated-count"].split()[0]) >= 3
    screenshot(browser_profile, b1, "/", "overview-broker-down")
