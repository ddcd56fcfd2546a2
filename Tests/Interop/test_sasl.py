"""SASL on real listeners with real clients: PLAIN (users from the listener's JAAS config) and SCRAM-SHA-256/512
(credentials created through AlterUserScramCredentials and kept in /config/users), on SASL_PLAINTEXT, with
confluent-kafka (librdkafka: SaslHandshake v1 + SaslAuthenticate), kafka-python and aiokafka. A wrong password is
refused with SASL_AUTHENTICATION_FAILED, requests before authentication close the connection, and sessions expire
and are re-authenticated with connections.max.reauth.ms (KIP-368)."""

from __future__ import annotations

import asyncio
import socket
import struct
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_clients import wait_until  # noqa: E402
from secure_clients import confluent_round_trip, kafka_python_round_trip  # noqa: E402

PLAIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" '
              'password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";')

SASL_PROPERTIES = {
    "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
    "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
}


@pytest.fixture(scope="module")
def sasl_broker(module_broker_factory):
    broker = module_broker_factory("sasl", properties=SASL_PROPERTIES,
                                   extra_listeners={"SASL_PLAINTEXT": "SASL_PLAINTEXT"})
    # SCRAM users, created over the plaintext listener (no authorizer here).
    from confluent_kafka.admin import AdminClient, UserScramCredentialUpsertion, ScramCredentialInfo, ScramMechanism
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    upserts = [
        UserScramCredentialUpsertion("bob", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), b"bob-secret"),
        UserScramCredentialUpsertion("carol", ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), b"carol-secret"),
    ]
    for future in admin.alter_user_scram_credentials(upserts).values():
        future.result(timeout=30)
    return broker


def ck_config(broker, mechanism: str, user: str, password: str) -> dict:
    return {"bootstrap.servers": broker.address("SASL_PLAINTEXT"), "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": mechanism, "sasl.username": user, "sasl.password": password}


def ck_round_trip(broker, mechanism, user, password):
    confluent_round_trip(ck_config(broker, mechanism, user, password), prefix="sasl", label=user)


@pytest.mark.parametrize("mechanism,user,password", [
    ("PLAIN", "alice", "alice-secret"),
    ("SCRAM-SHA-256", "bob", "bob-secret"),
    ("SCRAM-SHA-512", "carol", "carol-secret"),
])
def test_confluent_kafka_produces_and_consumes_after_sasl(sasl_broker, mechanism, user, password):
    ck_round_trip(sasl_broker, mechanism, user, password)


@pytest.mark.parametrize("mechanism,user,password", [
    ("PLAIN", "alice", "alice-secret"),
    ("SCRAM-SHA-256", "bob", "bob-secret"),
    ("SCRAM-SHA-512", "carol", "carol-secret"),
])
def test_kafka_python_produces_and_consumes_after_sasl(sasl_broker, mechanism, user, password):
    kafka_python_round_trip(dict(
        bootstrap_servers=sasl_broker.address("SASL_PLAINTEXT"), security_protocol="SASL_PLAINTEXT",
        sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=password), prefix="sasl-kp")


def test_aiokafka_produces_after_scram(sasl_broker):
    from aiokafka import AIOKafkaProducer

    async def run():
        producer = AIOKafkaProducer(bootstrap_servers=sasl_broker.address("SASL_PLAINTEXT"),
                                    security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256",
                                    sasl_plain_username="bob", sasl_plain_password="bob-secret")
        await producer.start()
        try:
            metadata = await producer.send_and_wait(f"sasl-aio-{uuid.uuid4().hex[:6]}", b"hello")
            return metadata.offset
        finally:
            await producer.stop()

    assert asyncio.run(run()) == 0


@pytest.mark.parametrize("mechanism,user", [("PLAIN", "alice"), ("SCRAM-SHA-256", "bob"), ("SCRAM-SHA-512", "nobody")])
def test_wrong_password_is_refused_with_sasl_authentication_failed(sasl_broker, mechanism, user):
    from confluent_kafka import KafkaError, Producer
    errors = []
    producer = Producer({**ck_config(sasl_broker, mechanism, user, "wrong-password"),
                         "error_cb": lambda e: errors.append(e)})

    def reported():
        producer.poll(0.5)
        return any(e.code() == KafkaError._AUTHENTICATION for e in errors), errors

    wait_until(reported, 15, "an authentication error reported to the client")
    text = " ".join(str(e) for e in errors)
    expected = "Invalid username or password" if mechanism == "PLAIN" else (
        f"Authentication failed during authentication due to invalid credentials with SASL mechanism {mechanism}")
    assert expected in text, text
    # The broker keeps serving the right password.
    ck_round_trip(sasl_broker, "PLAIN", "alice", "alice-secret")


def test_kafka_python_wrong_password_gets_sasl_authentication_failed(sasl_broker, caplog):
    """kafka-python 3 retries a refused login until its bootstrap times out; each refusal is error 58 with
    Kafka's message, which it logs."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaError
    with pytest.raises(KafkaError):
        KafkaProducer(bootstrap_servers=sasl_broker.address("SASL_PLAINTEXT"), security_protocol="SASL_PLAINTEXT",
                      sasl_mechanism="SCRAM-SHA-256", sasl_plain_username="bob", sasl_plain_password="nope",
                      bootstrap_timeout_ms=3000)
    assert ("[Error 58] SaslAuthenticationFailedError: SaslAuthenticationFailedError: Authentication failed during "
            "authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256") in caplog.text


def raw_request(api_key: int, version: int, correlation_id: int, body: bytes = b"") -> bytes:
    client = b"raw"
    header = struct.pack(">hhih", api_key, version, correlation_id, len(client)) + client
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def test_metadata_before_authentication_closes_the_connection(sasl_broker):
    host, port = sasl_broker.address("SASL_PLAINTEXT").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw_request(3, 1, 7, struct.pack(">i", -1)))  # Metadata v1, all topics
        assert sock.recv(4096) == b"", "the broker answered a Metadata request before authentication"
    assert "during SASL handshake" in sasl_broker.log_text()


def test_unknown_mechanism_is_answered_unsupported_sasl_mechanism(sasl_broker):
    host, port = sasl_broker.address("SASL_PLAINTEXT").split(":")
    mechanism = b"GSSAPI"
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw_request(17, 1, 9, struct.pack(">h", len(mechanism)) + mechanism))
        size = struct.unpack(">i", sock.recv(4, socket.MSG_WAITALL))[0]
        body = sock.recv(size, socket.MSG_WAITALL)
        correlation, error = struct.unpack(">ih", body[:6])
        assert (correlation, error) == (9, 33)  # UNSUPPORTED_SASL_MECHANISM
        count = struct.unpack(">i", body[6:10])[0]
        offered, pos = [], 10
        for _ in range(count):
            n = struct.unpack(">h", body[pos:pos + 2])[0]
            offered.append(body[pos + 2:pos + 2 + n].decode())
            pos += 2 + n
        assert offered == ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
        assert sock.recv(16) == b""  # then closed


def test_oversized_token_before_authentication_closes_the_connection(sasl_broker):
    host, port = sasl_broker.address("SASL_PLAINTEXT").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(struct.pack(">i", 10_000_000) + b"x" * 1024)
        assert sock.recv(16) == b""


def test_plain_listener_answers_sasl_handshake_illegal_sasl_state(sasl_broker):
    host, port = sasl_broker.bootstrap.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw_request(17, 1, 5, struct.pack(">h", 5) + b"PLAIN"))
        size = struct.unpack(">i", sock.recv(4, socket.MSG_WAITALL))[0]
        body = sock.recv(size, socket.MSG_WAITALL)
        assert struct.unpack(">ih", body[:6]) == (5, 34)  # ILLEGAL_SASL_STATE


def test_cli_connects_with_command_config(sasl_broker, server_bin, tmp_path):
    """The CLI logs in like Kafka's tools: --command-config with security.protocol, sasl.mechanism and
    sasl.jaas.config; a wrong password fails with the broker's message."""
    import subprocess
    topic = f"sasl-cli-{uuid.uuid4().hex[:6]}"
    good = tmp_path / "client.properties"
    good.write_text("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                    "username=\"carol\" password=\"carol-secret\";\n")
    gregor = str(server_bin.parent / "gregor")
    created = subprocess.run([gregor, "topics", "--create", "--topic", topic, "--partitions", "2",
                              "--bootstrap-server", sasl_broker.address("SASL_PLAINTEXT"), "--command-config", str(good)],
                             capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    listed = subprocess.run([gregor, "topics", "--list", "--bootstrap-server", sasl_broker.address("SASL_PLAINTEXT"),
                             "--command-config", str(good)], capture_output=True, text=True, timeout=60)
    assert topic in listed.stdout.split(), listed.stderr
    bad = tmp_path / "bad.properties"
    bad.write_text(good.read_text().replace("carol-secret", "guess"))
    refused = subprocess.run([gregor, "topics", "--list", "--bootstrap-server", sasl_broker.address("SASL_PLAINTEXT"),
                              "--command-config", str(bad)], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "SASL_AUTHENTICATION_FAILED" in refused.stderr or "invalid credentials" in refused.stderr, refused.stderr


def test_session_expiry_closes_and_clients_reauthenticate(module_broker_factory):
    """connections.max.reauth.ms (KIP-368): librdkafka re-authenticates before the session ends and keeps
    producing; a raw client that never re-authenticates is disconnected at its next request after expiry."""
    from confluent_kafka import Producer
    broker = module_broker_factory("sasl-reauth", properties={**SASL_PROPERTIES, "connections.max.reauth.ms": "2000"},
                                   extra_listeners={"SASL_PLAINTEXT": "SASL_PLAINTEXT"})
    topic = f"reauth-{uuid.uuid4().hex[:6]}"
    producer = Producer(ck_config(broker, "PLAIN", "alice", "alice-secret"))
    delivered = []
    deadline = time.time() + 7
    i = 0
    while time.time() < deadline:
        producer.produce(topic, value=str(i).encode(), on_delivery=lambda err, msg: delivered.append(err))
        producer.poll(0.2)
        i += 1
    assert producer.flush(30) == 0
    assert len(delivered) == i and all(err is None for err in delivered), [e for e in delivered if e][:3]

    host, port = broker.address("SASL_PLAINTEXT").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        def call(frame):
            sock.sendall(frame)
            size = struct.unpack(">i", sock.recv(4, socket.MSG_WAITALL))[0]
            return sock.recv(size, socket.MSG_WAITALL)
        assert struct.unpack(">ih", call(raw_request(17, 1, 1, struct.pack(">h", 5) + b"PLAIN"))[:6]) == (1, 0)
        token = b"\0alice\0alice-secret"
        answer = call(raw_request(36, 1, 2, struct.pack(">i", len(token)) + token))
        assert struct.unpack(">ih", answer[:6]) == (2, 0)
        assert struct.unpack(">q", answer[-8:])[0] == 2000  # session_lifetime_ms
        assert struct.unpack(">i", call(raw_request(3, 1, 3, struct.pack(">i", -1)))[:4])[0] == 3  # served
        time.sleep(2.5)
        sock.sendall(raw_request(3, 1, 4, struct.pack(">i", -1)))
        assert sock.recv(16) == b"", "a request after the session's end must close the connection"
