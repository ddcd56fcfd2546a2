"""ACLs enforced on requests, against real brokers with authorizer.class.name set, through real clients
(kafka-python, confluent-kafka) and raw requests (kafka_wire). On PLAINTEXT every connection is User:ANONYMOUS,
the brokers talking to each other included, so the brokers here run with allow.everyone.if.no.acl.found=true and a
super user nobody is: ANONYMOUS may do what no ACL mentions, and each test takes a right away from it by creating
ACLs on its own resources (ACLs for someone else, or DENYs). The cluster-level test runs on a broker of its own and
tells its test client from the brokers by the client's source address (127.0.0.2): ACL hosts are what tells them
apart on a single principal."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kafka_wire as wire  # noqa: E402
from group_clients import wait_until  # noqa: E402

ANONYMOUS = "User:ANONYMOUS"
PROPERTIES = {
    "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
    "allow.everyone.if.no.acl.found": "true",
    "super.users": "User:admin",
}
AUDIT = "kafka.authorizer.logger"


@pytest.fixture(scope="module")
def authz_broker(module_broker_factory):
    return module_broker_factory("authz", properties=PROPERTIES)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ck_admin(broker):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": broker.bootstrap, "client.id": "interop-authz"})


def create_topics(broker, *names: str):
    from confluent_kafka.admin import NewTopic
    admin = ck_admin(broker)
    for future in admin.create_topics([NewTopic(n, num_partitions=1, replication_factor=1) for n in names]).values():
        future.result(timeout=30)
    wait_until(lambda: (all(n in admin.list_topics(timeout=10).topics for n in names), None), 30, f"{names} in metadata")


def add_acls(broker, *acls: tuple):
    """Each acl: (resource_type, name, pattern_type, principal, host, operation, permission), confluent enums."""
    from confluent_kafka.admin import AclBinding
    admin = ck_admin(broker)
    bindings = [AclBinding(*acl) for acl in acls]
    for future in admin.create_acls(bindings).values():
        future.result(timeout=30)


def topic_acl(name, operation, permission="ALLOW", principal=ANONYMOUS, pattern="LITERAL", host="*"):
    from confluent_kafka.admin import AclOperation, AclPermissionType, ResourcePatternType, ResourceType
    return (ResourceType.TOPIC, name, ResourcePatternType[pattern], principal, host, AclOperation[operation],
            AclPermissionType[permission])


def group_acl(name, operation, principal=ANONYMOUS):
    from confluent_kafka.admin import AclOperation, AclPermissionType, ResourcePatternType, ResourceType
    return (ResourceType.GROUP, name, ResourcePatternType.LITERAL, principal, "*", AclOperation[operation],
            AclPermissionType.ALLOW)


def cluster_acl(operation, permission, host):
    from confluent_kafka.admin import AclOperation, AclPermissionType, ResourcePatternType, ResourceType
    return (ResourceType.BROKER, "kafka-cluster", ResourcePatternType.LITERAL, ANONYMOUS, host,
            AclOperation[operation], AclPermissionType[permission])


def raw_produce(broker, topics: list[str], value: bytes = b"v") -> dict:
    host, port = wire.parse_bootstrap(broker.bootstrap)
    batch = wire.record_batch([wire.Record(key=None, value=value)])
    with wire.Connection(host, port) as conn:
        body = wire.produce_body({t: {0: batch} for t in topics}, acks=1)
        return wire.decode_produce(8, conn.request(wire.PRODUCE, 8, body))


def log_end_offset(broker, topic: str) -> int:
    from kafka import KafkaConsumer, TopicPartition
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, client_id="interop-authz-offsets")
    try:
        tp = TopicPartition(topic, 0)
        return consumer.end_offsets([tp])[tp]
    finally:
        consumer.close()


def audit_line(allowed: bool, operation: str, resource: str, api: str, ref_count: int = 1, host: str = "127.0.0.1"):
    return (f"Principal = {ANONYMOUS} is {'Allowed' if allowed else 'Denied'} Operation = {operation} from host = "
            f"{host} on resource = {resource} for request = {api} with resourceRefCount = {ref_count}")


def test_produce_without_write_is_refused_appends_nothing_and_is_logged(authz_broker):
    from confluent_kafka import KafkaError, Producer
    topic = unique("locked")
    create_topics(authz_broker, topic)
    assert raw_produce(authz_broker, [topic])[topic][0].error_code == wire.NONE  # no ACL yet: allowed everyone
    # Alice may write; ANONYMOUS may only describe (to see the offsets).
    add_acls(authz_broker, topic_acl(topic, "WRITE", principal="User:alice"), topic_acl(topic, "DESCRIBE"))
    assert log_end_offset(authz_broker, topic) == 1

    log_start = authz_broker.log_size()
    refused = raw_produce(authz_broker, [topic])[topic][0]
    assert (refused.error_code, refused.base_offset, refused.error_message) == (wire.TOPIC_AUTHORIZATION_FAILED, -1, None)

    errors = []
    producer = Producer({"bootstrap.servers": authz_broker.bootstrap, "client.id": "interop-authz-producer"})
    producer.produce(topic, b"refused", on_delivery=lambda err, msg: errors.append(err))
    producer.flush(30)
    assert [e.code() for e in errors] == [KafkaError.TOPIC_AUTHORIZATION_FAILED]
    assert log_end_offset(authz_broker, topic) == 1

    line = audit_line(False, "Write", f"Topic:LITERAL:{topic}", "Produce")
    wait_until(lambda: (line in authz_broker.log_text(log_start), None), 10, "the audit line in the broker log")
    logged = [l for l in authz_broker.log_text(log_start).splitlines() if line in l]
    assert all(f" info {AUDIT}:" in l for l in logged), logged


def test_prefixed_allow_and_literal_deny_combine_as_in_kafka(authz_broker):
    from confluent_kafka import Producer
    prefix = unique("acme") + "-"
    open_topic, secret = prefix + "open", prefix + "secret"
    create_topics(authz_broker, open_topic, secret)
    add_acls(authz_broker, topic_acl(prefix, "WRITE", pattern="PREFIXED"), topic_acl(secret, "WRITE", permission="DENY"))
    answered = raw_produce(authz_broker, [open_topic, secret])
    assert answered[open_topic][0].error_code == wire.NONE
    assert answered[secret][0].error_code == wire.TOPIC_AUTHORIZATION_FAILED

    delivered = []
    producer = Producer({"bootstrap.servers": authz_broker.bootstrap, "client.id": "interop-authz-prefixed"})
    producer.produce(open_topic, b"through the prefix", on_delivery=lambda err, msg: delivered.append(err))
    producer.flush(30)
    assert delivered == [None]
    assert log_end_offset(authz_broker, open_topic) == 2
    assert log_end_offset(authz_broker, secret) == 0


def test_group_consumer_needs_read_on_the_group(authz_broker):
    from kafka import KafkaConsumer
    from kafka.errors import GroupAuthorizationFailedError
    topic, group = unique("consumed"), unique("readers")
    create_topics(authz_broker, topic)
    assert raw_produce(authz_broker, [topic], b"hello")[topic][0].error_code == wire.NONE
    # READ on the topic, DESCRIBE (to find the coordinator) but no READ on the group.
    add_acls(authz_broker, topic_acl(topic, "READ"), group_acl(group, "DESCRIBE"))

    def consumer():
        return KafkaConsumer(topic, bootstrap_servers=authz_broker.bootstrap, group_id=group, client_id="interop-authz",
                             auto_offset_reset="earliest", consumer_timeout_ms=1000)

    refused = consumer()
    try:
        with pytest.raises(GroupAuthorizationFailedError):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                refused.poll(timeout_ms=500)
    finally:
        refused.close(autocommit=False)

    add_acls(authz_broker, group_acl(group, "READ"))
    allowed = consumer()
    try:
        def got():
            records = [r for batch in allowed.poll(timeout_ms=500).values() for r in batch]
            return bool(records), records
        records = wait_until(got, 30, "the consumer reads once it may READ the group")
        assert [r.value for r in records] == [b"hello"]
    finally:
        allowed.close(autocommit=False)


def test_metadata_hides_undescribable_topics(authz_broker):
    from kafka import KafkaAdminClient
    hidden, visible = unique("hidden"), unique("visible")
    create_topics(authz_broker, hidden, visible)
    add_acls(authz_broker, topic_acl(hidden, "READ", principal="User:alice"))

    admin = KafkaAdminClient(bootstrap_servers=authz_broker.bootstrap, client_id="interop-authz-metadata")
    try:
        log_start = authz_broker.log_size()
        listed = admin.list_topics()
        assert visible in listed and hidden not in listed
        # Listing everything is a filter: the hidden topic's refusal is not an INFO line.
        assert f"Topic:LITERAL:{hidden} for request = Metadata" not in authz_broker.log_text(log_start)
    finally:
        admin.close()

    host, port = wire.parse_bootstrap(authz_broker.bootstrap)
    with wire.Connection(host, port) as conn:
        named = conn.metadata_v1([hidden, visible])
    assert named.topics[hidden].error_code == wire.TOPIC_AUTHORIZATION_FAILED and named.topics[hidden].partitions == {}
    assert named.topics[visible].error_code == wire.NONE and 0 in named.topics[visible].partitions
    line = audit_line(False, "Describe", f"Topic:LITERAL:{hidden}", "Metadata")
    wait_until(lambda: (line in authz_broker.log_text(log_start), None), 10, "the named refusal logged")


def test_gregor_acls_producer_and_consumer_roles_grant_what_clients_need(authz_broker, server_bin):
    from confluent_kafka import Consumer, Producer
    topic, group = unique("roles"), unique("role-group")
    create_topics(authz_broker, topic)
    # Someone else's ACLs on both: ANONYMOUS may do nothing with them until the roles are granted.
    add_acls(authz_broker, topic_acl(topic, "ALL", principal="User:alice"), group_acl(group, "ALL", principal="User:alice"))
    assert raw_produce(authz_broker, [topic])[topic][0].error_code == wire.TOPIC_AUTHORIZATION_FAILED

    def gregor_acls(*args):
        done = subprocess.run([str(server_bin.parent / "gregor"), "acls", "--bootstrap-server", authz_broker.bootstrap,
                               "--add", "--allow-principal", ANONYMOUS, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout
    out = gregor_acls("--producer", "--topic", topic)
    for operation in ("WRITE", "DESCRIBE", "CREATE"):
        assert f"(principal={ANONYMOUS}, host=*, operation={operation}, permissionType=ALLOW)" in out
    delivered = []
    producer = Producer({"bootstrap.servers": authz_broker.bootstrap, "client.id": "interop-authz-role"})
    producer.produce(topic, b"by role", on_delivery=lambda err, msg: delivered.append(err))
    producer.flush(30)
    assert delivered == [None]

    out = gregor_acls("--consumer", "--topic", topic, "--group", group)
    assert f"ResourcePattern(resourceType=GROUP, name={group}, patternType=LITERAL)" in out
    consumer = Consumer({"bootstrap.servers": authz_broker.bootstrap, "group.id": group, "client.id": "interop-authz-role",
                         "auto.offset.reset": "earliest"})
    try:
        consumer.subscribe([topic])

        def got():
            msg = consumer.poll(1.0)
            return msg is not None and msg.error() is None, msg and (msg.error() or msg.value())
        assert wait_until(got, 30, "the consumer role reads") == b"by role"
    finally:
        consumer.close()


def test_cluster_requests_from_a_plain_client_need_cluster_action(broker_factory):
    broker = broker_factory("authz-cluster", properties=PROPERTIES)
    topic = unique("cluster")
    create_topics(broker, topic)
    # The brokers (127.0.0.1) keep every cluster right; the test client's address (127.0.0.2) loses CLUSTER_ACTION.
    add_acls(broker, cluster_acl("ALL", "ALLOW", "*"), cluster_acl("CLUSTER_ACTION", "DENY", "127.0.0.2"))
    host, port = wire.parse_bootstrap(broker.bootstrap)
    log_start = broker.log_size()
    with wire.Connection(host, port, source_host="127.0.0.2") as conn:
        error, partitions = wire.decode_partition_errors_v0(conn.request(
            wire.LEADER_AND_ISR, 0, wire.leader_and_isr_v0_body(0, 999, topic, 0, leader=0, leader_epoch=99, replicas=[0])))
        assert (error, partitions) == (wire.CLUSTER_AUTHORIZATION_FAILED, {(topic, 0): wire.CLUSTER_AUTHORIZATION_FAILED})

        error, partitions = wire.decode_partition_errors_v0(conn.request(
            wire.STOP_REPLICA, 0, wire.stop_replica_v0_body(0, 999, True, [(topic, 0)])))
        assert (error, partitions) == (wire.CLUSTER_AUTHORIZATION_FAILED, {(topic, 0): wire.CLUSTER_AUTHORIZATION_FAILED})

        answer = conn.request(wire.UPDATE_METADATA, 0, wire.update_metadata_v0_body(0, 999))
        assert wire.Reader(answer).int16() == wire.CLUSTER_AUTHORIZATION_FAILED

        # A follower's fetch without CLUSTER_ACTION: every partition TOPIC_AUTHORIZATION_FAILED, as Kafka 2.8 answers.
        follower = wire.decode_fetch_v4(conn.request(wire.FETCH, 4, wire.fetch_v4_body({topic: {0: 0}}, replica_id=0)))
        assert follower[topic][0]["error_code"] == wire.TOPIC_AUTHORIZATION_FAILED
        assert follower[topic][0]["high_watermark"] == -1
        # The same partition fetched as a consumer (READ: no topic ACL) is served.
        consumer = wire.decode_fetch_v4(conn.request(wire.FETCH, 4, wire.fetch_v4_body({topic: {0: 0}})))
        assert consumer[topic][0]["error_code"] == wire.NONE

    # Nothing happened to the partition: the refused StopReplica deleted nothing, this broker still leads it.
    assert raw_produce(broker, [topic])[topic][0].error_code == wire.NONE
    denied = audit_line(False, "ClusterAction", "Cluster:LITERAL:kafka-cluster", "LeaderAndIsr", host="127.0.0.2")
    text = broker.log_text(log_start)
    assert denied in text
    assert audit_line(False, "ClusterAction", "Cluster:LITERAL:kafka-cluster", "Fetch", host="127.0.0.2") in text
