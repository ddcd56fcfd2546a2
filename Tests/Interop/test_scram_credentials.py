"""Users' SCRAM credentials (KIP-554) against a real broker: confluent-kafka's and kafka-python's admin clients
(AlterUserScramCredentials, DescribeUserScramCredentials), the znodes Kafka 2.8 writes (`/config/users/<user>` with
ScramCredentialUtils' text, a version-2 `users/<user>` change notification), Kafka's error codes and messages, and
`gregor configs --entity-type users` as kafka-configs.sh --bootstrap-server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_clients import ZkView  # noqa: E402


@pytest.fixture(scope="module")
def scram_broker(module_broker_factory):
    return module_broker_factory("scram")


def new_user(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def user_config(broker, user: str) -> dict | None:
    with ZkView(broker.zk_connect + broker.chroot) as zk:
        got = zk.get(f"/config/users/{user}")
    if got is None:
        return None
    node = json.loads(got[0])
    assert node["version"] == 1, node
    return node["config"]


def notifications(broker) -> list[dict]:
    with ZkView(broker.zk_connect + broker.chroot) as zk:
        names = sorted(n for n in zk.children("/config/changes") if n.startswith("config_change_"))
        return [json.loads(zk.get(f"/config/changes/{n}")[0]) for n in names]


def parse_credential(text: str) -> dict:
    fields = dict(token.split("=", 1) for token in text.split(","))
    assert sorted(fields) == ["iterations", "salt", "server_key", "stored_key"], text
    return fields


def expected_keys(hash_name: str, password: bytes, salt: bytes, iterations: int) -> tuple[str, str]:
    """RFC 5802's StoredKey and ServerKey, base64 as Kafka's ScramCredentialUtils writes them."""
    digest = getattr(hashlib, hash_name)
    salted = hashlib.pbkdf2_hmac(hash_name, password, salt, iterations)
    stored = digest(hmac.new(salted, b"Client Key", digest).digest()).digest()
    server = hmac.new(salted, b"Server Key", digest).digest()
    return base64.b64encode(stored).decode(), base64.b64encode(server).decode()


def gregor_configs(server_bin: Path, bootstrap: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(server_bin.parent / "gregor"), "configs", "--bootstrap-server", bootstrap, *args],
                          capture_output=True, text=True, timeout=120)


def test_confluent_kafka_upserts_describes_and_deletes_credentials(scram_broker):
    from confluent_kafka.admin import (AdminClient, ScramCredentialInfo, ScramMechanism,
                                       UserScramCredentialDeletion, UserScramCredentialUpsertion)
    admin = AdminClient({"bootstrap.servers": scram_broker.bootstrap})
    user = new_user("alice")
    salt = b"fixed-salt-for-the-test"
    futures = admin.alter_user_scram_credentials([
        UserScramCredentialUpsertion(user, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), b"secret", salt),
        UserScramCredentialUpsertion(user, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), b"other", salt),
    ])
    assert futures[user].result(timeout=30) is None

    # ZooKeeper holds what Kafka 2.8 writes: keys derived from the client's salted password, never the password.
    config = user_config(scram_broker, user)
    assert sorted(config) == ["SCRAM-SHA-256", "SCRAM-SHA-512"], config
    sha256 = parse_credential(config["SCRAM-SHA-256"])
    assert base64.b64decode(sha256["salt"]) == salt and sha256["iterations"] == "4096"
    assert (sha256["stored_key"], sha256["server_key"]) == expected_keys("sha256", b"secret", salt, 4096)
    sha512 = parse_credential(config["SCRAM-SHA-512"])
    assert sha512["iterations"] == "8192"
    assert (sha512["stored_key"], sha512["server_key"]) == expected_keys("sha512", b"other", salt, 8192)
    assert {"version": 2, "entity_path": f"users/{user}"} in notifications(scram_broker)

    described = admin.describe_user_scram_credentials([user])[user].result(timeout=30)
    assert described.user == user
    assert sorted((i.mechanism, i.iterations) for i in described.scram_credential_infos) == [
        (ScramMechanism.SCRAM_SHA_256, 4096), (ScramMechanism.SCRAM_SHA_512, 8192)]
    everyone = admin.describe_user_scram_credentials().result(timeout=30)
    assert user in everyone

    futures = admin.alter_user_scram_credentials([UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_512)])
    assert futures[user].result(timeout=30) is None
    assert sorted(user_config(scram_broker, user)) == ["SCRAM-SHA-256"]

    missing = new_user("nobody")
    with pytest.raises(Exception) as failure:
        admin.describe_user_scram_credentials([missing])[missing].result(timeout=30)
    assert "Attempt to describe a user credential that does not exist" in str(failure.value)


def test_kafka_python_gets_kafkas_errors(scram_broker):
    from kafka.admin import KafkaAdminClient
    from kafka.admin._users import ScramMechanism, UserScramCredentialDeletion, UserScramCredentialUpsertion
    admin = KafkaAdminClient(bootstrap_servers=scram_broker.bootstrap)
    try:
        few, many, ok, gone = new_user("few"), new_user("many"), new_user("ok"), new_user("gone")
        result = admin.alter_user_scram_credentials([
            UserScramCredentialUpsertion(few, ScramMechanism.SCRAM_SHA_256, "pw", iterations=1000),
            UserScramCredentialUpsertion(many, ScramMechanism.SCRAM_SHA_256, "pw", iterations=20000),
            UserScramCredentialUpsertion(ok, ScramMechanism.SCRAM_SHA_256, "pw"),
            UserScramCredentialDeletion(gone, ScramMechanism.SCRAM_SHA_256),
        ])
        assert result == {few: "Too few iterations", many: "Too many iterations", ok: None,
                          gone: "Attempt to delete a user credential that does not exist"}, result
        assert user_config(scram_broker, few) is None and user_config(scram_broker, gone) is None

        described = admin.describe_user_scram_credentials([ok, ok, ""])
        assert described[ok]["error"] == f"Cannot describe SCRAM credentials for the same user twice in a single request: {ok}"
        assert described[""]["error"] == "Username must not be empty"
        described = admin.describe_user_scram_credentials([ok])
        assert described[ok] == {"error": None, "credential_infos": [
            {"mechanism": ScramMechanism.SCRAM_SHA_256, "iterations": 4096}]}
    finally:
        admin.close()


def test_gregor_configs_manages_user_credentials(scram_broker, server_bin):
    user = new_user("carol")
    added = gregor_configs(server_bin, scram_broker.bootstrap, "--entity-type", "users", "--entity-name", user, "--alter",
                           "--add-config", "SCRAM-SHA-256=[password=secret],SCRAM-SHA-512=[iterations=8192,password=secret]")
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"Completed updating config for user {user}.\n"
    config = user_config(scram_broker, user)
    assert parse_credential(config["SCRAM-SHA-256"])["iterations"] == "4096"
    sha512 = parse_credential(config["SCRAM-SHA-512"])
    salt = base64.b64decode(sha512["salt"])
    assert (sha512["stored_key"], sha512["server_key"]) == expected_keys("sha512", b"secret", salt, 8192)

    described = gregor_configs(server_bin, scram_broker.bootstrap, "--entity-type", "users", "--entity-name", user,
                               "--describe")
    assert described.returncode == 0, described.stderr
    assert described.stdout == (f"SCRAM credential configs for user-principal '{user}' are "
                                "SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=8192\n")

    deleted = gregor_configs(server_bin, scram_broker.bootstrap, "--entity-type", "users", "--entity-name", user,
                             "--alter", "--delete-config", "SCRAM-SHA-256")
    assert deleted.returncode == 0, deleted.stderr
    assert sorted(user_config(scram_broker, user)) == ["SCRAM-SHA-512"]
    everyone = gregor_configs(server_bin, scram_broker.bootstrap, "--entity-type", "users", "--describe")
    assert f"SCRAM credential configs for user-principal '{user}' are SCRAM-SHA-512=iterations=8192\n" in everyone.stdout

    # Refusals as kafka-configs.sh words them.
    again = gregor_configs(server_bin, scram_broker.bootstrap, "--entity-type", "users", "--entity-name", user,
                           "--alter", "--delete-config", "SCRAM-SHA-256")
    assert again.returncode == 1
    assert "ResourceNotFoundException: Attempt to delete a user credential that does not exist" in again.stderr
    weak = gregor_configs(server_bin, scram_broker.bootstrap, "--entity-type", "users", "--entity-name", user,
                          "--alter", "--add-config", "SCRAM-SHA-256=[iterations=100,password=x]")
    assert weak.returncode == 1
    assert "Iterations 100 is less than the minimum 4096 required for SCRAM-SHA-256" in weak.stderr
    unknown = gregor_configs(server_bin, scram_broker.bootstrap, "--entity-type", "users", "--entity-name", user,
                             "--alter", "--add-config", "retention.ms=1")
    assert unknown.returncode == 1
    assert "Only quota and SCRAM credential configs can be added for 'users'" in unknown.stderr
