"""Assertions of the clients' own integration suites (kafka-python's test_admin_integration.py, aiokafka's
tests/test_admin.py, confluent-kafka-python's tests/integration/admin/) that Gregor once failed, re-created here
against the session broker (the suites themselves are not vendored).

- DescribeGroups v3+ with include_authorized_operations: confluent-kafka's test_describe_operations expects the
  group's operations (READ, DELETE, DESCRIBE without an authorizer), kafka-python 3.x always asks for them.
- ElectLeaders: ELECTION_NOT_NEEDED carries Kafka's message, and an election over every partition (a null
  partition list) leaves out the partitions that needed none, as KafkaApis.handleElectReplicaLeader does.
"""

from __future__ import annotations

import time
import uuid

from clients import require

DEADLINE_S = 60
ELECTION_NOT_NEEDED = 84


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def kafka_admin(bootstrap: str):
    kafka = require("kafka", "kafka-python")
    return kafka.KafkaAdminClient(bootstrap_servers=bootstrap, client_id="gregor-client-suites", request_timeout_ms=30000)


def consume_and_commit(bootstrap: str, topic: str, group: str, count: int):
    """confluent-kafka's consume_messages(): a group member that reads `count` records, commits each, and leaves."""
    ck = require("confluent_kafka", "confluent-kafka")
    consumer = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": group, "session.timeout.ms": 6000,
                            "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        consumer.subscribe([topic])
        read = 0
        deadline = time.monotonic() + DEADLINE_S
        while read < count:
            assert time.monotonic() < deadline, f"read {read} of {count} records of {topic}"
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            consumer.commit(msg, asynchronous=False)
            read += 1
    finally:
        consumer.close()


def test_describe_consumer_groups_authorized_operations(bootstrap):
    # confluent-kafka's tests/integration/admin/test_describe_operations.py (verify_describe_groups), without ACLs.
    ck = require("confluent_kafka", "confluent-kafka")
    admin_mod = require("confluent_kafka.admin", "confluent-kafka")
    topic, group = unique("describe-ops"), unique("describe-ops-group")
    admin = admin_mod.AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([admin_mod.NewTopic(topic, 1, 1)], operation_timeout=30)[topic].result(timeout=60)
    producer = ck.Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, "Hello Python!")
    producer.produce(topic, key="Just a key")
    assert producer.flush(30) == 0
    consume_and_commit(bootstrap, topic, group, 2)

    plain = admin.describe_consumer_groups([group], include_authorized_operations=False,
                                           request_timeout=10)[group].result(timeout=30)
    assert plain.authorized_operations is None
    described = admin.describe_consumer_groups([group], include_authorized_operations=True,
                                               request_timeout=10)[group].result(timeout=30)
    assert {op.name for op in described.authorized_operations} == {"READ", "DELETE", "DESCRIBE"}
    assert described.group_id == group and described.is_simple_consumer_group is False
    assert described.state == ck.ConsumerGroupState.EMPTY

    # kafka-python 3.x always asks for them.
    kp = kafka_admin(bootstrap)
    try:
        answer = kp.describe_groups([group])[group]
    finally:
        kp.close()
    assert set(answer["authorized_operations"]) == {"READ", "DELETE", "DESCRIBE"}, answer
    assert answer["group_state"] == "Empty" and answer["error"] is None, answer


def test_elect_leaders_not_needed_and_every_partition(bootstrap):
    # kafka-python's test_elect_leaders asks for every partition of a stable topic by name: each is answered
    # ELECTION_NOT_NEEDED, with Kafka's message (ApiError(Errors.ELECTION_NOT_NEEDED)).
    kafka_admin_mod = require("kafka.admin", "kafka-python")
    admin_proto = require("kafka.protocol.admin", "kafka-python")
    topic = unique("elect-suite")
    kp = kafka_admin(bootstrap)
    try:
        kp.create_topics([kafka_admin_mod.NewTopic(topic, 2, 1)], timeout_ms=30000)
        named = kp.elect_leaders(0, {topic: [0, 1]}).to_dict()
        # A null partition list (confluent-kafka's elect_leaders(type, None), kafka-leader-election.sh
        # --all-topic-partitions): partitions already led by their preferred replica are left out.
        request = admin_proto.ElectLeadersRequest(election_type=0, topic_partitions=None, timeout_ms=30000)
        everything = kp._manager.run(kp._send_request_to_controller, request, lambda r: (), False, ()).to_dict()
    finally:
        kp.close()
    [result] = named["replica_election_results"]
    assert result["topic"] == topic
    assert sorted((p["partition_id"], p["error_code"], p["error_message"]) for p in result["partition_result"]) == [
        (0, ELECTION_NOT_NEEDED, "Leader election not needed for topic partition."),
        (1, ELECTION_NOT_NEEDED, "Leader election not needed for topic partition.")]
    assert everything["error_code"] == 0
    assert all(r["topic"] != topic for r in everything["replica_election_results"]), everything


def test_describe_configs_types_and_read_only_as_kafka_2_8(bootstrap):
    """kafka-python's test_describe_configs_{broker,topic}_resource_returns_configs for Kafka 2.8: every entry
    carries its config type (v3+), advertised.listeners is not read-only (Kafka can update it per broker), a
    topic's retention.bytes is a LONG from DEFAULT_CONFIG with no synonyms unless asked."""
    from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

    admin = kafka_admin(bootstrap)
    try:
        topic = unique("describe-types")
        admin.create_topics([NewTopic(topic, 1, 1)])
        broker_id = admin._client.least_loaded_node()
        broker = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, broker_id)], config_filter="all")
        listeners = broker["broker"][str(broker_id)]["advertised.listeners"]
        assert listeners["config_type"] in ("LIST", "STRING"), listeners
        assert listeners["read_only"] is False, listeners
        assert listeners["is_sensitive"] is False and listeners["synonyms"] == []
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter="all")
        retention = configs["topic"][topic]["retention.bytes"]
        assert retention["config_type"] == "LONG", retention
        assert retention["config_source"] == "DEFAULT_CONFIG" and retention["read_only"] is False
        assert retention["synonyms"] == [] and retention["value"] == "-1"
        assert all(entry["config_type"] != "UNKNOWN" for entry in configs["topic"][topic].values())
    finally:
        admin.close()
