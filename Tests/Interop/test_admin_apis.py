"""The admin APIs Kafka's admin clients call besides topics and groups, through the real clients: DeleteRecords,
DescribeLogDirs, AlterReplicaLogDirs and DescribeCluster (kafka-python's KafkaAdminClient, confluent-kafka's
AdminClient), and the null error_message aiokafka's admin expects from a successful CreateTopics.

The log-dir tests start their own broker with two `log.dirs`; the others use the session broker.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from clients import require
import kafka_wire as wire

DEADLINE_S = 60


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_until(predicate, what: str, seconds: float = DEADLINE_S, interval: float = 0.2):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        ok, last = predicate()
        if ok:
            return last
        time.sleep(interval)
    pytest.fail(f"{what}; last seen: {last!r}")


def kafka_admin(bootstrap: str):
    kafka = require("kafka", "kafka-python")
    return kafka.KafkaAdminClient(bootstrap_servers=bootstrap, client_id="gregor-admin-apis", request_timeout_ms=30000)


def create_topic(admin, topic: str, partitions: int = 1, replication: int = 1):
    kafka_admin_mod = require("kafka.admin", "kafka-python")
    admin.create_topics([kafka_admin_mod.NewTopic(topic, partitions, replication)], timeout_ms=30000)


def produce(bootstrap: str, topic: str, count: int, partition: int = 0):
    kafka = require("kafka", "kafka-python")
    producer = kafka.KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=0)
    try:
        for i in range(count):
            producer.send(topic, value=f"v{i}".encode(), partition=partition)
            producer.flush()  # one batch per record: the log start may fall between any two
    finally:
        producer.close()


def earliest_latest(bootstrap: str, topic: str, partition: int = 0) -> tuple[int, int]:
    kafka = require("kafka", "kafka-python")
    consumer = kafka.KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        tp = kafka.TopicPartition(topic, partition)
        return consumer.beginning_offsets([tp])[tp], consumer.end_offsets([tp])[tp]
    finally:
        consumer.close()


def consume_from_beginning(bootstrap: str, topic: str, expected: int, partition: int = 0) -> list[tuple[int, bytes]]:
    kafka = require("kafka", "kafka-python")
    consumer = kafka.KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                   auto_offset_reset="earliest", consumer_timeout_ms=10000)
    try:
        tp = kafka.TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        got = []
        for record in consumer:
            got.append((record.offset, record.value))
            if len(got) >= expected:
                break
        return got
    finally:
        consumer.close()


# --- ApiVersions ------------------------------------------------------------------------------------------------

def test_api_versions_advertise_the_admin_apis(bootstrap):
    with wire.Connection(*wire.parse_bootstrap(bootstrap)) as conn:
        ranges = wire.decode_api_versions_v0(conn.request(wire.API_VERSIONS, 0, wire.api_versions_body(0))).api_keys
    assert ranges.get(21) == (0, 2)  # DeleteRecords
    assert ranges.get(34) == (0, 2)  # AlterReplicaLogDirs
    assert ranges.get(35) == (0, 2)  # DescribeLogDirs
    assert ranges.get(60) == (0, 1)  # DescribeCluster: 2.8's v0 and 3.7's v1, which kafka-python 3.x needs


# --- DescribeCluster --------------------------------------------------------------------------------------------

def test_describe_cluster_kafka_python(broker, bootstrap):
    admin = kafka_admin(bootstrap)
    try:
        cluster = admin.describe_cluster()
    finally:
        admin.close()
    assert cluster["cluster_id"], cluster
    brokers = cluster["brokers"]
    assert len(brokers) == 1, cluster
    host, port = wire.parse_bootstrap(bootstrap)
    assert (brokers[0]["host"], brokers[0]["port"]) == (host, port)
    assert brokers[0]["rack"] is None
    # kafka-python always asks for the authorized operations: with no authorizer, every cluster operation.
    assert set(cluster["authorized_operations"]) == {"CREATE", "ALTER", "DESCRIBE", "CLUSTER_ACTION",
                                                     "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE"}
    if broker is not None:
        assert brokers[0]["broker_id"] == broker.broker_id
        assert cluster["controller_id"] == broker.broker_id


def test_describe_cluster_of_controllers_is_a_mismatched_endpoint(bootstrap):
    # v1 (KIP-919): a broker describes brokers; asked for the controllers (KRaft's), MISMATCHED_ENDPOINT_TYPE.
    cluster_mod = require("kafka.protocol.admin.cluster", "kafka-python")
    admin = kafka_admin(bootstrap)
    try:
        request = cluster_mod.DescribeClusterRequest(include_cluster_authorized_operations=False, endpoint_type=2)
        answer = admin._manager.run(admin._manager.send, request).to_dict()
    finally:
        admin.close()
    assert answer["error_code"] == 114, answer
    assert answer["brokers"] == []


def test_describe_cluster_confluent_kafka(broker, bootstrap):
    admin_mod = require("confluent_kafka.admin", "confluent-kafka")
    admin = admin_mod.AdminClient({"bootstrap.servers": bootstrap})
    cluster = admin.describe_cluster(request_timeout=30).result(timeout=60)
    assert cluster.cluster_id
    assert [n.id for n in cluster.nodes] == [broker.broker_id if broker else cluster.nodes[0].id]
    assert cluster.controller is not None and cluster.controller.id == cluster.nodes[0].id
    # Not requested: the broker sends Int32.min ("not provided"), which librdkafka reports as None.
    assert cluster.authorized_operations is None
    # Requested: with no authorizer, every cluster operation.
    with_ops = admin.describe_cluster(include_authorized_operations=True, request_timeout=30).result(timeout=60)
    names = {op.name for op in with_ops.authorized_operations}
    assert names == {"CREATE", "ALTER", "DESCRIBE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS",
                     "IDEMPOTENT_WRITE"}


def test_confluent_kafka_list_and_describe_topics(bootstrap):
    ck = require("confluent_kafka", "confluent-kafka")
    admin_mod = require("confluent_kafka.admin", "confluent-kafka")
    topic = unique("ck-describe")
    admin = admin_mod.AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([admin_mod.NewTopic(topic, 3, 1)], operation_timeout=30)[topic].result(timeout=60)
    wait_until(lambda: (topic in admin.list_topics(timeout=10).topics, None), f"topic {topic} listed")
    futures = admin.describe_topics(ck.TopicCollection([topic]), include_authorized_operations=True, request_timeout=30)
    described = futures[topic].result(timeout=60)
    assert described.name == topic and [p.id for p in described.partitions] == [0, 1, 2]
    assert {op.name for op in described.authorized_operations} == {
        "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"}


# --- CreateTopics' null error_message ---------------------------------------------------------------------------

def test_aiokafka_create_topics_sees_null_error_message(bootstrap):
    aiokafka_admin = require("aiokafka.admin", "aiokafka")
    topic = unique("aio-admin")

    async def run():
        admin = aiokafka_admin.AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            response = await admin.create_topics([aiokafka_admin.NewTopic(topic, 1, 1)], timeout_ms=30000)
            taken = await admin.create_topics([aiokafka_admin.NewTopic(topic, 1, 1)], timeout_ms=30000)
            return response, taken
        finally:
            await admin.close()

    response, taken = asyncio.run(run())
    assert [tuple(t[:3]) for t in response.topic_errors] == [(topic, 0, None)], response
    name, code, message = taken.topic_errors[0][:3]
    assert (name, code) == (topic, 36)  # TOPIC_ALREADY_EXISTS, with a message saying so
    assert message and topic in message


def test_create_topics_and_find_coordinator_messages_on_the_wire(bootstrap):
    # CreateTopics v1-4: null for a created topic, Kafka's message for one that exists; FindCoordinator v1: "NONE"
    # on success, Kafka's Errors.message() for NONE.
    topic = unique("wire-create")
    with wire.Connection(*wire.parse_bootstrap(bootstrap)) as conn:
        created = wire.decode_create_topics(4, conn.request(wire.CREATE_TOPICS, 4, wire.create_topics_body(4, [(topic, 1, 1)])))
        again = wire.decode_create_topics(4, conn.request(wire.CREATE_TOPICS, 4, wire.create_topics_body(4, [(topic, 1, 1)])))
        coordinator = conn.find_coordinator(unique("wire-group"))
    assert created == {topic: (0, None)}
    assert again[topic][0] == 36 and again[topic][1] == f"Topic '{topic}' already exists."
    assert (coordinator.error_code, coordinator.error_message) == (0, "NONE")


def test_describe_configs_nullable_fields_as_kafka_writes_them(bootstrap):
    # Kafka 2.8: a described resource's error_message is "" (schema default, never set), a config's documentation
    # null unless asked for, a sensitive value null.
    configs_mod = require("kafka.protocol.admin", "kafka-python")
    topic = unique("describe-configs")
    admin = kafka_admin(bootstrap)
    try:
        create_topic(admin, topic)
        Resource = configs_mod.DescribeConfigsRequest.DescribeConfigsResource
        request = configs_mod.DescribeConfigsRequest(
            resources=[Resource(resource_type=2, resource_name=topic, configuration_keys=["retention.ms"])],
            include_synonyms=False, include_documentation=False)
        answer = admin._manager.run(admin._manager.send, request).to_dict()
    finally:
        admin.close()
    [result] = answer["results"]
    assert (result["error_code"], result["error_message"]) == (0, ""), result
    [config] = result["configs"]
    assert config["name"] == "retention.ms" and config["value"] == "604800000", config
    assert config["documentation"] is None, config


# --- DeleteRecords ----------------------------------------------------------------------------------------------

def test_delete_records_kafka_python(bootstrap):
    kafka = require("kafka", "kafka-python")
    errors = require("kafka.errors", "kafka-python")
    topic = unique("delete-records")
    admin = kafka_admin(bootstrap)
    try:
        create_topic(admin, topic)
        produce(bootstrap, topic, 10)
        tp = kafka.TopicPartition(topic, 0)
        result = admin.delete_records({tp: 3}, timeout_ms=30000)
        assert result[tp]["low_watermark"] == 3, result
        assert earliest_latest(bootstrap, topic) == (3, 10)
        got = consume_from_beginning(bootstrap, topic, 7)
        assert [offset for offset, _ in got] == list(range(3, 10))
        assert got[0][1] == b"v3"

        # Never back, and never past the high watermark.
        assert admin.delete_records({tp: 1}, timeout_ms=30000)[tp]["low_watermark"] == 3
        with pytest.raises(errors.OffsetOutOfRangeError):
            admin.delete_records({tp: 11}, timeout_ms=30000)
        # -1: up to the high watermark.
        assert admin.delete_records({tp: -1}, timeout_ms=30000)[tp]["low_watermark"] == 10
        assert earliest_latest(bootstrap, topic) == (10, 10)
    finally:
        admin.close()


def test_fetch_below_the_log_start_is_out_of_range(bootstrap):
    kafka = require("kafka", "kafka-python")
    errors = require("kafka.errors", "kafka-python")
    topic = unique("delete-records-fetch")
    admin = kafka_admin(bootstrap)
    try:
        create_topic(admin, topic)
        produce(bootstrap, topic, 5)
        tp = kafka.TopicPartition(topic, 0)
        admin.delete_records({tp: 4}, timeout_ms=30000)
    finally:
        admin.close()
    consumer = kafka.KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                   auto_offset_reset="none")
    try:
        consumer.assign([tp])
        consumer.seek(tp, 1)
        with pytest.raises(errors.OffsetOutOfRangeError):
            for _ in range(50):
                consumer.poll(timeout_ms=200)
    finally:
        consumer.close()


def test_delete_records_confluent_kafka(bootstrap):
    ck = require("confluent_kafka", "confluent-kafka")
    admin_mod = require("confluent_kafka.admin", "confluent-kafka")
    topic = unique("delete-records-ck")
    admin = admin_mod.AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([admin_mod.NewTopic(topic, 2, 1)], operation_timeout=30)[topic].result(timeout=60)
    wait_until(lambda: (topic in admin.list_topics(timeout=10).topics, None), f"topic {topic} in metadata")
    produce(bootstrap, topic, 6, partition=1)
    futures = admin.delete_records([ck.TopicPartition(topic, 1, 4), ck.TopicPartition(topic, 0, 0)],
                                   request_timeout=30, operation_timeout=30)
    deleted = {tp.partition: f.result(timeout=60) for tp, f in futures.items()}
    assert deleted[1].low_watermark == 4
    assert deleted[0].low_watermark == 0
    assert earliest_latest(bootstrap, topic, partition=1) == (4, 6)


def test_delete_records_survives_a_restart(broker_factory, restart_broker):
    kafka = require("kafka", "kafka-python")
    b = broker_factory("delete-records-restart", properties={"log.segment.bytes": "200"})
    topic = unique("delete-records-restart")
    admin = kafka_admin(b.bootstrap)
    try:
        create_topic(admin, topic)
        produce(b.bootstrap, topic, 12)
        segments_before = sorted(p.name for p in b.partition_dir(topic, 0).glob("*.log"))
        tp = kafka.TopicPartition(topic, 0)
        assert admin.delete_records({tp: 7}, timeout_ms=30000)[tp]["low_watermark"] == 7
    finally:
        admin.close()
    segments_after = sorted(p.name for p in b.partition_dir(topic, 0).glob("*.log"))
    # Whole segments below the new log start are gone at once, the one holding offset 7 stays.
    assert len(segments_after) < len(segments_before), (segments_before, segments_after)
    assert min(int(name.split(".")[0]) for name in segments_after) <= 7
    checkpoint = (b.data_dir / "log-start-offset-checkpoint").read_text().split("\n")
    assert f"{topic} 0 7" in checkpoint
    restart_broker(b)
    assert earliest_latest(b.bootstrap, topic) == (7, 12)


def test_delete_records_waits_for_the_follower(broker_factory):
    kafka = require("kafka", "kafka-python")
    fast_checkpoints = {"log.flush.start.offset.checkpoint.interval.ms": "500"}
    first = broker_factory("delete-records-r1", broker_id=1, properties=fast_checkpoints)
    second = broker_factory("delete-records-r2", broker_id=2, chroot=first.chroot, properties=fast_checkpoints)
    bootstrap = f"{first.bootstrap},{second.bootstrap}"
    topic = unique("delete-records-replicated")
    admin = kafka_admin(bootstrap)
    try:
        create_topic(admin, topic, replication=2)
        produce(bootstrap, topic, 8)
        tp = kafka.TopicPartition(topic, 0)
        result = admin.delete_records({tp: 5}, timeout_ms=30000)
        # The low watermark is the lowest log start among the live replicas: 5 only once the follower has it too.
        assert result[tp]["low_watermark"] == 5, result
    finally:
        admin.close()
    assert earliest_latest(bootstrap, topic) == (5, 8)
    # The follower applied the leader's log start: its checkpoint says so.
    def follower_checkpoint():
        path = second.data_dir / "log-start-offset-checkpoint"
        return path.read_text().split("\n") if path.exists() else []

    wait_until(lambda: (f"{topic} 0 5" in follower_checkpoint(), follower_checkpoint()),
               "the follower's log-start-offset-checkpoint has the new log start")


def test_alter_log_dir_of_a_replica_elsewhere(broker_factory):
    errors = require("kafka.errors", "kafka-python")
    admin_mod = require("kafka.admin", "kafka-python")
    first = broker_factory("alter-elsewhere-1", broker_id=1)
    second = broker_factory("alter-elsewhere-2", broker_id=2, chroot=first.chroot)
    topic = unique("only-on-1")
    admin = kafka_admin(f"{first.bootstrap},{second.bootstrap}")
    try:
        admin.create_topics([admin_mod.NewTopic(topic, -1, -1, replica_assignments={0: [1]})], timeout_ms=30000)
        answer = admin.alter_replica_log_dirs({(topic, 0, 2): str(second.data_dir)})
        assert list(answer.values()) == [errors.ReplicaNotAvailableError], answer
    finally:
        admin.close()


# --- DescribeLogDirs / AlterReplicaLogDirs ----------------------------------------------------------------------

@pytest.fixture
def two_dir_broker(broker_factory, interop_tmp):
    dirs = [interop_tmp / unique("logdir-a"), interop_tmp / unique("logdir-b")]
    b = broker_factory("log-dirs", properties={"log.dirs": ",".join(str(d) for d in dirs), "log.segment.bytes": "300"})
    return b, [str(d) for d in dirs]


def log_dirs_of(admin, broker_id: int) -> dict[str, dict]:
    """{log dir: {(topic, partition): partition info}} from kafka-python's describe_log_dirs."""
    [answer] = admin.describe_log_dirs(brokers=[broker_id])
    assert answer["broker"] == broker_id
    results = answer["log_dirs"]
    out = {}
    for result in results:
        assert result["error_code"] == 0, result
        out[result["log_dir"]] = {(t["name"], p["partition_index"]): p for t in result["topics"] for p in t["partitions"]}
    return out


def test_describe_and_alter_log_dirs_kafka_python(two_dir_broker):
    errors = require("kafka.errors", "kafka-python")
    b, dirs = two_dir_broker
    topic = unique("log-dirs")
    admin = kafka_admin(b.bootstrap)
    try:
        create_topic(admin, topic, partitions=4)
        produce(b.bootstrap, topic, 20, partition=0)
        described = log_dirs_of(admin, b.broker_id)
        assert sorted(described) == sorted(dirs)
        # New logs go to the directory with the fewest: two each.
        counts = {d: sum(1 for (t, _) in described[d] if t == topic) for d in dirs}
        assert sorted(counts.values()) == [2, 2], described
        source = next(d for d in dirs if (topic, 0) in described[d])
        target = next(d for d in dirs if d != source)
        info = described[source][(topic, 0)]
        assert info["partition_size"] > 0 and info["offset_lag"] == 0 and info["is_future_key"] is False

        answer = admin.alter_replica_log_dirs({(topic, 0, b.broker_id): target})
        assert list(answer.values()) == [errors.NoError], answer
        moved = wait_until(lambda: ((topic, 0) in log_dirs_of(admin, b.broker_id)[target]
                                    and not log_dirs_of(admin, b.broker_id)[target][(topic, 0)]["is_future_key"],
                                    log_dirs_of(admin, b.broker_id)), f"{topic}-0 moved to {target}")
        assert (topic, 0) not in moved[source]
        assert moved[target][(topic, 0)]["partition_size"] == info["partition_size"]
        assert not (Path(source) / f"{topic}-0").exists()

        # It keeps serving: all 20 records, then 5 more appended in the new directory.
        produce(b.bootstrap, topic, 5, partition=0)
        got = consume_from_beginning(b.bootstrap, topic, 25)
        assert [o for o, _ in got] == list(range(25))
        assert got[24][1] == b"v4"

        # A directory outside log.dirs, and a partition this broker does not have.
        bad = admin.alter_replica_log_dirs({(topic, 1, b.broker_id): "/nonexistent/dir"})
        assert list(bad.values()) == [errors.LogDirNotFoundError], bad
        unknown = admin.alter_replica_log_dirs({(unique("none"), 0, b.broker_id): target})
        assert list(unknown.values()) == [errors.UnknownTopicOrPartitionError], unknown
    finally:
        admin.close()


def test_moved_log_survives_a_restart(two_dir_broker, restart_broker):
    kafka = require("kafka", "kafka-python")
    b, dirs = two_dir_broker
    topic = unique("log-dirs-restart")
    admin = kafka_admin(b.bootstrap)
    try:
        create_topic(admin, topic)
        produce(b.bootstrap, topic, 15)
        tp = kafka.TopicPartition(topic, 0)
        admin.delete_records({tp: 4}, timeout_ms=30000)
        source = next(d for d, logs in log_dirs_of(admin, b.broker_id).items() if (topic, 0) in logs)
        target = next(d for d in dirs if d != source)
        admin.alter_replica_log_dirs({(topic, 0, b.broker_id): target})
        wait_until(lambda: ((topic, 0) in log_dirs_of(admin, b.broker_id)[target], None), "moved")
    finally:
        admin.close()
    restart_broker(b)
    assert earliest_latest(b.bootstrap, topic) == (4, 15)
    got = consume_from_beginning(b.bootstrap, topic, 11)
    assert [o for o, _ in got] == list(range(4, 15))
    assert (Path(target) / f"{topic}-0").is_dir() and not (Path(source) / f"{topic}-0").exists()


def test_describe_log_dirs_reports_a_missing_dir(two_dir_broker):
    b, dirs = two_dir_broker
    admin = kafka_admin(b.bootstrap)
    try:
        Path(dirs[1]).rename(dirs[1] + ".gone")
        results = admin.describe_log_dirs(brokers=[b.broker_id])[0]["log_dirs"]
        codes = {r["log_dir"]: r["error_code"] for r in results}
        assert codes == {dirs[0]: 0, dirs[1]: 56}, results  # KAFKA_STORAGE_ERROR
    finally:
        Path(dirs[1] + ".gone").rename(dirs[1])
        admin.close()


# --- gregor delete-records / log-dirs ---------------------------------------------------------------------------

def gregor_cli(server_bin: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(server_bin.parent / "gregor"), *args], capture_output=True, text=True, timeout=120)


def test_gregor_delete_records(server_bin, bootstrap, tmp_path):
    topic = unique("cli-delete-records")
    admin = kafka_admin(bootstrap)
    try:
        create_topic(admin, topic, partitions=2)
    finally:
        admin.close()
    produce(bootstrap, topic, 5)
    offsets = tmp_path / "offsets.json"
    offsets.write_text(json.dumps({"partitions": [{"topic": topic, "partition": 0, "offset": 3},
                                                  {"topic": topic, "partition": 1, "offset": 9}], "version": 1}))
    run = gregor_cli(server_bin, "delete-records", "--bootstrap-server", bootstrap, "--offset-json-file", str(offsets))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[:3] == ["Executing records delete operation", "Records delete operation completed:",
                         f"partition: {topic}-0\tlow_watermark: 3"], run.stdout
    assert lines[3].startswith(f"partition: {topic}-1\terror: ") and "OFFSET_OUT_OF_RANGE" in lines[3], run.stdout
    assert earliest_latest(bootstrap, topic) == (3, 5)

    offsets.write_text(json.dumps({"partitions": [{"topic": topic, "partition": 0, "offset": 4},
                                                  {"topic": topic, "partition": 0, "offset": 4}]}))
    twice = gregor_cli(server_bin, "delete-records", "--bootstrap-server", bootstrap, "--offset-json-file", str(offsets))
    assert twice.returncode != 0
    assert f"Offset json file contains duplicate topic partitions: {topic}-0" in twice.stderr
    assert earliest_latest(bootstrap, topic) == (3, 5)


def test_gregor_log_dirs_describe(server_bin, two_dir_broker):
    b, dirs = two_dir_broker
    topic = unique("cli-log-dirs")
    admin = kafka_admin(b.bootstrap)
    try:
        create_topic(admin, topic, partitions=2)
    finally:
        admin.close()
    produce(b.bootstrap, topic, 3)
    run = gregor_cli(server_bin, "log-dirs", "--bootstrap-server", b.bootstrap, "--describe",
                     "--broker-list", str(b.broker_id), "--topic-list", topic)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[:2] == ["Querying brokers for log directories information",
                         f"Received log directory information from brokers {b.broker_id}"], run.stdout
    described = json.loads(lines[2])
    assert described["version"] == 1
    [broker] = described["brokers"]
    assert broker["broker"] == b.broker_id
    assert sorted(d["logDir"] for d in broker["logDirs"]) == sorted(dirs)
    partitions = {p["partition"]: p for d in broker["logDirs"] for p in d["partitions"]}
    assert sorted(partitions) == [f"{topic}-0", f"{topic}-1"]
    assert partitions[f"{topic}-0"]["size"] > 0 and partitions[f"{topic}-1"]["size"] == 0
    assert all(p["offsetLag"] == 0 and p["isFuture"] is False for p in partitions.values())
    assert all(d["error"] is None for d in broker["logDirs"])
