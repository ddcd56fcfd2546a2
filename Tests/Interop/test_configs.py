"""Live configs (AlterConfigs, IncrementalAlterConfigs, DescribeConfigs) against real brokers, with kafka-python's
and confluent-kafka's admin clients and `gregor configs` (kafka-configs.sh's flags and output): what lands in
ZooKeeper, Kafka's error codes and messages, running logs taking the change (max.message.bytes refusing a
produce, segment.bytes rolling, retention.ms deleting), dynamic broker configs (cluster-wide default and
per-broker) surviving a restart, and a dynamic connection limit."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kafka_wire as w  # noqa: E402
from group_clients import ZkView, admin_client, create_topic, wait_until  # noqa: E402

BROKER_PROPERTIES = {"log.retention.check.interval.ms": "300", "log.segment.bytes": "1048576"}


@pytest.fixture(scope="module")
def cfg_broker(module_broker_factory):
    return module_broker_factory("configs", properties=BROKER_PROPERTIES)


def zk_view(broker) -> ZkView:
    return ZkView(broker.zk_connect + broker.chroot)


def gregor_configs(server_bin: Path, bootstrap: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(server_bin.parent / "gregor"), "configs", "--bootstrap-server", bootstrap, *args],
                          capture_output=True, text=True, timeout=120)


def new_topic(bootstrap: str, prefix: str) -> str:
    topic = f"{prefix}-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, topic, 1)
    return topic


def topic_overrides(broker, topic: str) -> dict:
    with zk_view(broker) as zk:
        got = zk.get(f"/config/topics/{topic}")
    assert got is not None, f"/config/topics/{topic} missing"
    node = json.loads(got[0])
    assert node["version"] == 1, node
    return node["config"]


def notifications(broker) -> list[dict]:
    with zk_view(broker) as zk:
        names = sorted(n for n in zk.children("/config/changes") if n.startswith("config_change_"))
        return [json.loads(zk.get(f"/config/changes/{n}")[0]) for n in names]


def produce_one(bootstrap: str, topic: str, size: int) -> str | None:
    """Produces one record of `size` bytes with acks=all; the delivery error's name, None when stored."""
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.max.bytes": 10_000_000,
                         "message.timeout.ms": 30000, "enable.idempotence": False})
    result = []
    producer.produce(topic, value=b"x" * size, on_delivery=lambda err, _m: result.append(err))
    assert producer.flush(60) == 0
    return result[0].name() if result[0] is not None else None


def test_kafka_python_alters_topic_configs_incrementally_and_by_replacement(cfg_broker):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
    topic = new_topic(cfg_broker.bootstrap, "kp-cfg")
    admin = KafkaAdminClient(bootstrap_servers=cfg_broker.bootstrap)
    try:
        # IncrementalAlterConfigs (kafka-python's choice when the broker offers it).
        result = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                                     configs={"retention.ms": "86400000", "max.message.bytes": "5000"})])
        assert result == {"topic": {topic: "OK"}}, result
        assert topic_overrides(cfg_broker, topic) == {"max.message.bytes": "5000", "retention.ms": "86400000"}
        assert {"version": 2, "entity_path": f"topics/{topic}"} in notifications(cfg_broker)
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)],
                                          config_filter="all")["topic"][topic]
        assert described["retention.ms"]["value"] == "86400000"
        assert described["retention.ms"]["config_source"] == "DYNAMIC_TOPIC_CONFIG"
        # segment.bytes comes from server.properties: STATIC_BROKER_CONFIG, not a default.
        assert described["segment.bytes"]["config_source"] == "STATIC_BROKER_CONFIG", described

        # AlterConfigs replaces the whole set; kafka-python sends the other modified configs along so they stay.
        result = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                                     configs={"max.message.bytes": "6000"})], incremental=False)
        assert result == {"topic": {topic: "OK"}}, result
        assert topic_overrides(cfg_broker, topic) == {"max.message.bytes": "6000", "retention.ms": "86400000"}

        bad = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "soon"})],
                                  raise_on_unknown=False)["topic"][topic]
        assert "InvalidRequest" in bad, bad
        assert (f"Invalid config value for resource ConfigResource(type=TOPIC, name='{topic}'): "
                "Invalid value soon for configuration retention.ms: Not a number of type LONG") in bad
        unknown = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"no.such": "1"})],
                                      raise_on_unknown=False)["topic"][topic]
        assert "InvalidConfiguration" in unknown and "Unknown topic config name: no.such" in unknown, unknown
        missing = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "no-such-topic",
                                                      configs={"retention.ms": "1"})], raise_on_unknown=False)
        assert "UnknownTopicOrPartition" in missing["topic"]["no-such-topic"], missing
        assert topic_overrides(cfg_broker, topic) == {"max.message.bytes": "6000", "retention.ms": "86400000"}
    finally:
        admin.close()


@pytest.mark.filterwarnings("ignore:alter_configs has been deprecated")
def test_confluent_kafka_alter_and_incremental_alter_configs(cfg_broker):
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource
    topic = new_topic(cfg_broker.bootstrap, "ck-cfg")
    admin = admin_client(cfg_broker.bootstrap)

    def incremental(*entries, validate_only=False):
        resource = ConfigResource("topic", topic, incremental_configs=list(entries))
        return admin.incremental_alter_configs([resource], validate_only=validate_only, request_timeout=30)[resource]

    incremental(ConfigEntry("retention.ms", "3600000", incremental_operation=AlterConfigOpType.SET),
                ConfigEntry("segment.ms", "600000", incremental_operation=AlterConfigOpType.SET)).result(30)
    assert topic_overrides(cfg_broker, topic) == {"retention.ms": "3600000", "segment.ms": "600000"}
    incremental(ConfigEntry("segment.ms", None, incremental_operation=AlterConfigOpType.DELETE),
                ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.APPEND)).result(30)
    assert topic_overrides(cfg_broker, topic) == {"retention.ms": "3600000", "cleanup.policy": "delete,delete"}
    incremental(ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.SUBTRACT)).result(30)
    assert topic_overrides(cfg_broker, topic)["cleanup.policy"] == "delete"

    # validate_only: checked, not written.
    incremental(ConfigEntry("retention.ms", "1", incremental_operation=AlterConfigOpType.SET),
                validate_only=True).result(30)
    assert topic_overrides(cfg_broker, topic)["retention.ms"] == "3600000"

    with pytest.raises(KafkaException) as refused:
        incremental(ConfigEntry("retention.ms", "5", incremental_operation=AlterConfigOpType.APPEND)).result(30)
    assert refused.value.args[0].code() == KafkaError.INVALID_REQUEST
    assert "Config value append is not allowed for config key: retention.ms" in refused.value.args[0].str()

    # The legacy AlterConfigs replaces everything.
    resource = ConfigResource("topic", topic, set_config={"segment.bytes": "2000000"})
    admin.alter_configs([resource], request_timeout=30)[resource].result(30)
    assert topic_overrides(cfg_broker, topic) == {"segment.bytes": "2000000"}
    bad = ConfigResource("topic", topic, set_config={"segment.bytes": "10"})
    with pytest.raises(KafkaException) as refused:
        admin.alter_configs([bad], request_timeout=30)[bad].result(30)
    assert refused.value.args[0].code() == KafkaError.INVALID_REQUEST
    assert "Invalid value 10 for configuration segment.bytes: Value must be at least 14" in refused.value.args[0].str()

    described = admin.describe_configs([ConfigResource("topic", topic)], request_timeout=30)
    entries = list(described.values())[0].result(30)
    assert entries["segment.bytes"].value == "2000000"
    assert entries["segment.bytes"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert entries["retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value


def test_a_change_reaches_the_running_log(cfg_broker):
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource
    topic = new_topic(cfg_broker.bootstrap, "live-cfg")
    admin = admin_client(cfg_broker.bootstrap)

    def set_configs(**configs):
        resource = ConfigResource("topic", topic, incremental_configs=[
            ConfigEntry(k.replace("_", "."), v, incremental_operation=AlterConfigOpType.SET) for k, v in configs.items()])
        admin.incremental_alter_configs([resource], request_timeout=30)[resource].result(30)

    assert produce_one(cfg_broker.bootstrap, topic, 5000) is None
    set_configs(max_message_bytes="1000")
    wait_until(lambda: (produce_one(cfg_broker.bootstrap, topic, 5000) == "MSG_SIZE_TOO_LARGE", None), 30,
               "a 5000-byte record refused once max.message.bytes=1000 reached the log")

    set_configs(max_message_bytes="100000", segment_bytes="20000")
    wait_until(lambda: (produce_one(cfg_broker.bootstrap, topic, 5000) is None, None), 30, "max.message.bytes raised")
    for _ in range(20):
        assert produce_one(cfg_broker.bootstrap, topic, 5000) is None
    segments = sorted(cfg_broker.partition_dir(topic, 0).glob("*.log"))
    assert len(segments) >= 4, f"segment.bytes=20000 should have rolled the log: {segments}"

    set_configs(retention_ms="1")
    consumer = Consumer({"bootstrap.servers": cfg_broker.bootstrap, "group.id": "cfg-watermarks"})
    try:
        def deleted():
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10, cached=False)
            return low > 0 and low >= high - 5, (low, high)
        wait_until(deleted, 60, "retention.ms=1 deletes every segment but the active one")
    finally:
        consumer.close()


def answered(s: socket.socket) -> bool:
    """Whether the broker answers ApiVersions on `s` (False: it closed the connection)."""
    s.sendall(w.frame(w.request_header(18, 0, 1, "cfg") + w.api_versions_body(0)))
    try:
        return len(s.recv(4)) == 4
    except ConnectionResetError:
        return False


def second_connection_refused(port: int, source: str) -> bool:
    """Whether, with one connection from `source` open and served, a second one from it is closed."""
    first = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    try:
        assert answered(first), f"the first connection from {source} is not served"
        second = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
        try:
            return not answered(second)
        finally:
            second.close()
    finally:
        first.close()


def test_dynamic_broker_configs_with_gregor_configs_survive_a_restart(broker_factory, restart_broker, server_bin):
    b = broker_factory("configs-broker", properties=BROKER_PROPERTIES)
    run = lambda *args: gregor_configs(server_bin, b.bootstrap, *args)  # noqa: E731
    topic = new_topic(b.bootstrap, "bcfg")

    out = run("--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "message.max.bytes=2000")
    assert out.returncode == 0 and out.stdout == "Completed updating default config for brokers in the cluster.\n", out
    with zk_view(b) as zk:
        assert json.loads(zk.get("/config/brokers/<default>")[0]) == {"version": 1, "config": {"message.max.bytes": "2000"}}
    assert {"version": 2, "entity_path": "brokers/<default>"} in notifications(b)
    wait_until(lambda: (produce_one(b.bootstrap, topic, 5000) == "MSG_SIZE_TOO_LARGE", None), 30,
               "the cluster-wide message.max.bytes reaches a log without an override")

    out = run("--entity-type", "brokers", "--entity-name", "0", "--alter", "--add-config",
              "log.retention.ms=7200000,max.connections.per.ip.overrides=[127.0.0.2:1]")
    assert out.returncode == 0 and out.stdout == "Completed updating config for broker 0.\n", out
    wait_until(lambda: (second_connection_refused(b.port, "127.0.0.2"), None), 30,
               "max.connections.per.ip.overrides=127.0.0.2:1 refuses a second connection from 127.0.0.2")
    assert not second_connection_refused(b.port, "127.0.0.3")

    def check_described():
        out = run("--entity-type", "brokers", "--entity-name", "0", "--describe")
        assert out.returncode == 0, out
        lines = out.stdout.splitlines()
        assert lines[0] == "Dynamic configs for broker 0 are:", out.stdout
        assert ("  log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=7200000, "
                "DEFAULT_CONFIG:log.retention.ms=null, DEFAULT_CONFIG:log.retention.minutes=null, "
                "DEFAULT_CONFIG:log.retention.hours=168}") in lines, out.stdout
        out = run("--entity-type", "brokers", "--entity-default", "--describe")
        assert out.stdout == ("Default configs for brokers in the cluster are:\n"
                              "  message.max.bytes=2000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:"
                              "message.max.bytes=2000, DEFAULT_CONFIG:message.max.bytes=1048588}\n"), out
        out = run("--entity-type", "brokers", "--entity-name", "0", "--describe", "--all")
        assert ("  log.segment.bytes=1048576 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.segment.bytes=1048576, "
                "DEFAULT_CONFIG:log.segment.bytes=1073741824}") in out.stdout.splitlines(), out.stdout

    check_described()
    restart_broker(b)
    check_described()
    assert produce_one(b.bootstrap, topic, 5000) == "MSG_SIZE_TOO_LARGE"
    assert second_connection_refused(b.port, "127.0.0.2")

    out = run("--entity-type", "brokers", "--entity-name", "0", "--alter", "--add-config", "zookeeper.connect=elsewhere")
    assert out.returncode == 1, out
    assert ("Invalid config value for resource ConfigResource(type=BROKER, name='0'): "
            "Cannot update these configs dynamically: Set(zookeeper.connect)") in out.stderr, out
    out = run("--entity-type", "brokers", "--entity-name", "0", "--alter", "--delete-config", "log.segment.bytes")
    assert out.returncode == 1 and "Invalid config(s): log.segment.bytes" in out.stderr, out

    out = run("--entity-type", "topics", "--entity-name", topic, "--alter", "--add-config",
              "retention.ms=1000000,cleanup.policy=[delete]")
    assert out.stdout == f"Completed updating config for topic {topic}.\n", out
    out = run("--entity-type", "topics", "--entity-name", topic, "--describe")
    assert out.stdout == (f"Dynamic configs for topic {topic} are:\n"
                          "  cleanup.policy=delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=delete, "
                          "DEFAULT_CONFIG:log.cleanup.policy=delete}\n"
                          "  retention.ms=1000000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000000, "
                          "DYNAMIC_BROKER_CONFIG:log.retention.ms=7200000, DEFAULT_CONFIG:log.retention.ms=null, "
                          "DEFAULT_CONFIG:log.retention.minutes=null, DEFAULT_CONFIG:log.retention.hours=168}\n"), out
    out = run("--entity-type", "topics", "--entity-name", topic, "--alter", "--delete-config", "retention.ms")
    assert out.returncode == 0, out
    assert topic_overrides(b, topic) == {"cleanup.policy": "delete"}

    out = run("--entity-type", "brokers", "--entity-default", "--alter", "--delete-config", "message.max.bytes")
    assert out.returncode == 0, out
    wait_until(lambda: (produce_one(b.bootstrap, topic, 5000) is None, None), 30,
               "deleting the cluster-wide message.max.bytes restores the default")


def test_every_broker_applies_the_cluster_wide_default(broker_factory, server_bin):
    """The change is sent to broker 0; broker 1 learns it from /config/changes and applies it to the log it leads."""
    from confluent_kafka.admin import NewTopic
    first = broker_factory("configs-b0", properties=BROKER_PROPERTIES, broker_id=0)
    second = broker_factory("configs-b1", properties=BROKER_PROPERTIES, broker_id=1, chroot=first.chroot)
    topic = f"on-b1-{uuid.uuid4().hex[:8]}"
    admin = admin_client(first.bootstrap)
    wait_until(lambda: (len(admin.list_topics(timeout=10).brokers) == 2, None), 60, "both brokers registered")
    admin.create_topics([NewTopic(topic, num_partitions=1, replica_assignment=[[1]])], operation_timeout=30)[topic].result(60)
    wait_until(lambda: (produce_one(first.bootstrap, topic, 5000) is None, None), 60, f"{topic} led by broker 1")

    out = gregor_configs(server_bin, first.bootstrap, "--entity-type", "brokers", "--entity-default", "--alter",
                         "--add-config", "message.max.bytes=2000")
    assert out.returncode == 0, out
    wait_until(lambda: (produce_one(first.bootstrap, topic, 5000) == "MSG_SIZE_TOO_LARGE", None), 30,
               "broker 1 refuses a 5000-byte record after the cluster-wide message.max.bytes=2000")
    out = gregor_configs(server_bin, first.bootstrap, "--entity-type", "brokers", "--entity-name", "1", "--describe",
                         "--all")
    assert ("  message.max.bytes=2000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:message.max.bytes=2000, "
            "DEFAULT_CONFIG:message.max.bytes=1048588}") in out.stdout.splitlines(), out
    # A per-broker value is only that broker's: broker 1's own limit wins there.
    out = gregor_configs(server_bin, second.bootstrap, "--entity-type", "brokers", "--entity-name", "1", "--alter",
                         "--add-config", "message.max.bytes=100000")
    assert out.returncode == 0, out
    wait_until(lambda: (produce_one(first.bootstrap, topic, 5000) is None, None), 30,
               "broker 1's own message.max.bytes wins over the cluster-wide one")
