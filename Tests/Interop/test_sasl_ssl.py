"""SASL_SSL end to end, with the ACL authorizer: two brokers whose inter-broker listener is SASL_SSL (TLS with the
test CA, PLAIN login of the super user admin), clients logging in with PLAIN and SCRAM over TLS (confluent-kafka,
kafka-python) with ACLs granting them topics and groups, a replicated topic whose followers fetch over that
listener with acks=all, and the plaintext listener, where everyone is User:ANONYMOUS, refusing controller and
follower requests (CLUSTER_AUTHORIZATION_FAILED) now that only the brokers' principal may send them."""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_clients import wait_until  # noqa: E402
from secure_clients import kafka_python_round_trip  # noqa: E402

ADMIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" '
              'password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";')


def secure_properties(tls_certs) -> dict:
    return {
        **tls_certs.broker_properties("SASL_SSL"),
        "inter.broker.listener.name": "SASL_SSL",
        "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-512",
        "sasl.mechanism.inter.broker.protocol": "PLAIN",
        "listener.name.sasl_ssl.plain.sasl.jaas.config": ADMIN_JAAS,
        "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
        "super.users": "User:admin",
        "default.replication.factor": "2",
        "min.insync.replicas": "2",
        "offsets.topic.replication.factor": "2",
    }


@pytest.fixture(scope="module")
def secure_cluster(module_broker_factory, tls_certs):
    properties = secure_properties(tls_certs)
    first = module_broker_factory("sasl-ssl-0", properties=properties, broker_id=0,
                                  extra_listeners={"SASL_SSL": "SASL_SSL"})
    second = module_broker_factory("sasl-ssl-1", properties=properties, broker_id=1, chroot=first.chroot,
                                   extra_listeners={"SASL_SSL": "SASL_SSL"})
    from confluent_kafka.admin import AdminClient, ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion
    admin = AdminClient(ck_config(first, tls_certs, "PLAIN", "admin", "admin-secret"))
    upsert = UserScramCredentialUpsertion("dave", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), b"dave-secret")
    for future in admin.alter_user_scram_credentials([upsert]).values():
        future.result(timeout=30)
    # alice and dave may use every topic and group; mallory (SCRAM) may only describe topics.
    from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, ResourcePatternType,
                                       ResourceType)
    upsert = UserScramCredentialUpsertion("mallory", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), b"m-secret")
    for future in admin.alter_user_scram_credentials([upsert]).values():
        future.result(timeout=30)
    allow = AclPermissionType.ALLOW
    bindings = [AclBinding(kind, "*", ResourcePatternType.LITERAL, f"User:{user}", "*", AclOperation.ALL, allow)
                for user in ("alice", "dave") for kind in (ResourceType.TOPIC, ResourceType.GROUP)]
    bindings.append(AclBinding(ResourceType.TOPIC, "*", ResourcePatternType.LITERAL, "User:mallory", "*",
                               AclOperation.DESCRIBE, allow))
    for future in admin.create_acls(bindings).values():
        future.result(timeout=30)
    return first, second


def ck_config(broker, tls_certs, mechanism, user, password) -> dict:
    return {"bootstrap.servers": broker.address("SASL_SSL"), "security.protocol": "SASL_SSL",
            "ssl.ca.location": tls_certs.ca, "sasl.mechanism": mechanism, "sasl.username": user,
            "sasl.password": password}


def test_replicated_topic_over_sasl_ssl_with_acks_all(secure_cluster, tls_certs):
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    first, second = secure_cluster
    topic = f"secure-{uuid.uuid4().hex[:8]}"
    admin = AdminClient(ck_config(first, tls_certs, "PLAIN", "alice", "alice-secret"))
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=2)])[topic].result(timeout=30)

    def isr_full():
        partitions = admin.list_topics(topic, timeout=10).topics[topic].partitions
        return (len(partitions) == 2 and all(len(p.isrs) == 2 and p.leader >= 0 for p in partitions.values()),
                {p.id: (p.leader, p.isrs) for p in partitions.values()})

    wait_until(isr_full, 30, "both partitions led, with both replicas in sync (the controller reached both brokers)")
    producer = Producer({**ck_config(second, tls_certs, "SCRAM-SHA-512", "dave", "dave-secret"), "acks": "all"})
    for i in range(200):
        producer.produce(topic, key=str(i % 7).encode(), value=f"m{i}".encode())
    assert producer.flush(60) == 0
    consumer = Consumer({**ck_config(first, tls_certs, "SCRAM-SHA-512", "dave", "dave-secret"),
                         "group.id": f"g-{uuid.uuid4().hex[:6]}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got = set()
    deadline = time.time() + 60
    while len(got) < 200 and time.time() < deadline:
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            got.add(message.value().decode())
    consumer.close()
    assert got == {f"m{i}" for i in range(200)}
    # acks=all with min.insync.replicas=2 succeeded, so the followers fetched over SASL_SSL; the logs agree.
    for broker in (first, second):
        segments = list((broker.data_dir).glob(f"{topic}-*/*.log"))
        assert sum(p.stat().st_size for p in segments) > 0, f"broker {broker.broker_id} holds no replica data"


def test_kafka_python_over_sasl_ssl(secure_cluster, tls_certs):
    first, _ = secure_cluster
    kafka_python_round_trip(dict(
        bootstrap_servers=first.address("SASL_SSL"), security_protocol="SASL_SSL", ssl_cafile=tls_certs.ca,
        sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="dave", sasl_plain_password="dave-secret"),
        prefix="secure-kp")


def test_untrusted_certificate_and_wrong_password_are_refused(secure_cluster, tls_certs):
    from confluent_kafka import KafkaError, Producer
    first, _ = secure_cluster
    for config, expected in [
        ({**ck_config(first, tls_certs, "PLAIN", "alice", "alice-secret"), "ssl.ca.location": tls_certs.other_ca},
         KafkaError._SSL),
        (ck_config(first, tls_certs, "SCRAM-SHA-512", "dave", "not-it"), KafkaError._AUTHENTICATION),
    ]:
        errors = []
        producer = Producer({**config, "error_cb": errors.append})

        def reported():
            producer.poll(0.5)
            return any(e.code() == expected for e in errors), errors

        wait_until(reported, 20, f"error {expected} reported")


def test_user_without_write_is_refused_and_nothing_is_appended(secure_cluster, tls_certs):
    from confluent_kafka import KafkaError, Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    first, _ = secure_cluster
    topic = f"secure-denied-{uuid.uuid4().hex[:8]}"
    admin = AdminClient(ck_config(first, tls_certs, "PLAIN", "alice", "alice-secret"))
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=2)])[topic].result(timeout=30)
    results = []
    producer = Producer({**ck_config(first, tls_certs, "SCRAM-SHA-512", "mallory", "m-secret"), "retries": 0})
    producer.produce(topic, value=b"forbidden", on_delivery=lambda err, msg: results.append(err))
    producer.flush(30)
    assert len(results) == 1 and results[0] is not None
    assert results[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, results[0]
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({**ck_config(first, tls_certs, "PLAIN", "alice", "alice-secret"), "group.id": "wm"})
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    consumer.close()
    assert (low, high) == (0, 0), "a refused produce appended records"


def test_plaintext_clients_cannot_send_controller_or_follower_requests(secure_cluster):
    import kafka_wire as wire
    first, _ = secure_cluster
    host, port = wire.parse_bootstrap(first.bootstrap)  # the PLAINTEXT listener: User:ANONYMOUS
    topic = "any-topic"
    with wire.Connection(host, port) as conn:
        error, _ = wire.decode_partition_errors_v0(conn.request(
            wire.LEADER_AND_ISR, 0, wire.leader_and_isr_v0_body(0, 999, topic, 0, leader=0, leader_epoch=99, replicas=[0])))
        assert error == wire.CLUSTER_AUTHORIZATION_FAILED
        error, _ = wire.decode_partition_errors_v0(conn.request(
            wire.STOP_REPLICA, 0, wire.stop_replica_v0_body(0, 999, True, [(topic, 0)])))
        assert error == wire.CLUSTER_AUTHORIZATION_FAILED
        follower = wire.decode_fetch_v4(conn.request(wire.FETCH, 4, wire.fetch_v4_body({topic: {0: 0}}, replica_id=1)))
        assert follower[topic][0]["error_code"] == wire.TOPIC_AUTHORIZATION_FAILED


def test_zkcli_shows_credentials_and_acls_where_kafka_keeps_them(secure_cluster):
    """Debian's zkCli (through scripts/zk-shell.sh) reads the SCRAM credentials and the ACLs at Kafka's paths, in
    Kafka's JSON."""
    import json
    import os
    import subprocess
    first, _ = secure_cluster
    shell = Path(__file__).resolve().parents[2] / "scripts" / "zk-shell.sh"
    env = {**os.environ, "ZK_CONNECT": first.zk_connect + first.chroot}

    def zk(*args):
        run = subprocess.run([str(shell), *args], capture_output=True, text=True, timeout=60, env=env)
        assert run.returncode == 0, run.stderr
        return run.stdout

    user = json.loads(zk("get", "/config/users/dave").strip().splitlines()[-1])
    assert user["version"] == 1
    salt, stored, server, iterations = user["config"]["SCRAM-SHA-512"].split(",")
    assert salt.startswith("salt=") and stored.startswith("stored_key=") and server.startswith("server_key=")
    assert iterations == "iterations=4096"
    assert "dave" in zk("ls", "/config/users")
    acls = json.loads(zk("get", "/kafka-acl/Topic/*").strip().splitlines()[-1])
    assert {"principal": "User:mallory", "permissionType": "Allow", "operation": "Describe", "host": "*"} in acls["acls"]
    assert "*" in zk("ls", "/kafka-acl/Group")
