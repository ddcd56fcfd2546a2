"""ACLs (CreateAcls, DescribeAcls, DeleteAcls) against real brokers with authorizer.class.name set, through
kafka-python's and confluent-kafka's admin clients: the znodes at Kafka's paths with Kafka's JSON, the change
notifications, a second broker of the cluster seeing an ACL created through the first, and SECURITY_DISABLED from a
broker without an authorizer. These brokers enforce the ACLs, and on PLAINTEXT the brokers and the test clients are
all User:ANONYMOUS: as Kafka's docs advise for a PLAINTEXT inter-broker listener, that principal is a super user
here, so the ACLs these tests create never lock the cluster out (test_authorization.py tests the refusals)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_clients import ZkView, wait_until  # noqa: E402

AUTHORIZER = {"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer", "super.users": "User:ANONYMOUS"}


@pytest.fixture(scope="module")
def acl_brokers(module_broker_factory):
    first = module_broker_factory("acls-0", properties=AUTHORIZER, broker_id=0)
    second = module_broker_factory("acls-1", properties=AUTHORIZER, broker_id=1, chroot=first.chroot)
    return first, second


def kp_admin(bootstrap: str):
    from kafka.admin import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="interop-acls")


def ck_admin(bootstrap: str):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap, "client.id": "interop-acls"})


def zk_json(broker, path: str):
    with ZkView(broker.zk_connect + broker.chroot) as zk:
        got = zk.get(path)
        return None if got is None else json.loads(got[0])


def test_kafka_python_literal_acl_lands_at_kafkas_path_and_is_described_and_deleted(acl_brokers):
    from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                             ResourcePattern, ResourcePatternFilter, ResourceType)
    first, _ = acl_brokers
    topic = f"orders-{uuid.uuid4().hex[:8]}"
    admin = kp_admin(first.bootstrap)
    try:
        acl = ACL("User:alice", "*", ACLOperation.WRITE, ACLPermissionType.ALLOW,
                  ResourcePattern(ResourceType.TOPIC, topic, ACLResourcePatternType.LITERAL))
        result = admin.create_acls([acl])
        assert result["failed"] == [] and len(result["succeeded"]) == 1
        assert zk_json(first, f"/kafka-acl/Topic/{topic}") == {
            "version": 1, "acls": [{"principal": "User:alice", "permissionType": "Allow", "operation": "Write", "host": "*"}]}
        with ZkView(first.zk_connect + first.chroot) as zk:
            changes = [zk.get(f"/kafka-acl-changes/{n}")[0] for n in zk.children("/kafka-acl-changes")]
        assert f"TOPIC:{topic}".encode() in changes

        acl_filter = ACLFilter("User:alice", None, ACLOperation.ANY, ACLPermissionType.ANY,
                               ResourcePatternFilter(ResourceType.TOPIC, topic, ACLResourcePatternType.MATCH))
        described, error = admin.describe_acls(acl_filter)
        assert error.errno == 0
        assert [(a.principal, a.host, a.operation, a.permission_type, a.resource_pattern.resource_name) for a in described] \
            == [("User:alice", "*", ACLOperation.WRITE, ACLPermissionType.ALLOW, topic)]

        deleted = admin.delete_acls([acl_filter])
        (_, matches, error), = deleted
        assert error.errno == 0 and [m.principal for m in matches] == ["User:alice"]
        assert zk_json(first, f"/kafka-acl/Topic/{topic}") is None
        assert admin.describe_acls(acl_filter)[0] == []
    finally:
        admin.close()


def test_confluent_prefixed_acl_is_seen_by_the_other_broker(acl_brokers):
    from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType,
                                       ResourcePatternType, ResourceType)
    first, second = acl_brokers
    prefix = f"pay-{uuid.uuid4().hex[:6]}"
    binding = AclBinding(ResourceType.GROUP, prefix, ResourcePatternType.PREFIXED, "User:bob", "10.0.0.7",
                         AclOperation.READ, AclPermissionType.DENY)
    admin = ck_admin(first.bootstrap)  # kept: a dropped handle fails its pending futures
    admin.create_acls([binding])[binding].result(timeout=30)
    assert zk_json(first, f"/kafka-acl-extended/prefixed/Group/{prefix}") == {
        "version": 1, "acls": [{"principal": "User:bob", "permissionType": "Deny", "operation": "Read", "host": "10.0.0.7"}]}
    with ZkView(first.zk_connect + first.chroot) as zk:
        changes = [json.loads(zk.get(f"/kafka-acl-extended-changes/{n}")[0])
                   for n in zk.children("/kafka-acl-extended-changes")]
    assert {"version": 1, "resourceType": "GROUP", "name": prefix, "patternType": "PREFIXED"} in changes

    # MATCH on a group inside the prefix finds the prefixed ACL, on the second broker (via the notification).
    match = AclBindingFilter(ResourceType.GROUP, f"{prefix}-eu", ResourcePatternType.MATCH, None, None,
                             AclOperation.ANY, AclPermissionType.ANY)
    other = ck_admin(second.bootstrap)

    def seen():
        got = other.describe_acls(match).result(timeout=30)
        return len(got) == 1, got
    found = wait_until(seen, 30, "the second broker lists the ACL created through the first")
    assert found[0].name == prefix and found[0].resource_pattern_type == ResourcePatternType.PREFIXED
    literal_only = AclBindingFilter(ResourceType.GROUP, prefix, ResourcePatternType.LITERAL, None, None,
                                    AclOperation.ANY, AclPermissionType.ANY)
    assert other.describe_acls(literal_only).result(timeout=30) == []

    # Deleted through the second broker, gone from ZooKeeper and from the first broker's cache.
    removed = other.delete_acls([match])[match].result(timeout=30)
    assert [b.principal for b in removed] == ["User:bob"]
    assert zk_json(first, f"/kafka-acl-extended/prefixed/Group/{prefix}") is None
    wait_until(lambda: (admin.describe_acls(match).result(timeout=30) == [], None), 30,
               "the first broker forgets the deleted ACL")


def test_invalid_cluster_name_is_refused_with_kafkas_message(acl_brokers):
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType
    first, _ = acl_brokers
    binding = AclBinding(ResourceType.BROKER, "not-the-cluster", ResourcePatternType.LITERAL, "User:a", "*",
                         AclOperation.ALTER, AclPermissionType.ALLOW)
    admin = ck_admin(first.bootstrap)
    with pytest.raises(KafkaException) as refused:
        admin.create_acls([binding])[binding].result(timeout=30)
    assert "The only valid name for the CLUSTER resource is kafka-cluster" in str(refused.value)


def test_broker_without_authorizer_answers_security_disabled(bootstrap):
    from kafka.admin import ACLFilter, ACLOperation, ACLPermissionType, ResourcePatternFilter, ResourceType, ACLResourcePatternType
    from kafka.errors import SecurityDisabledError
    admin = kp_admin(bootstrap)
    try:
        acl_filter = ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY,
                               ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
        with pytest.raises(SecurityDisabledError) as refused:
            admin.describe_acls(acl_filter)
        assert "No Authorizer is configured on the broker" in str(refused.value)
    finally:
        admin.close()


def gregor_acls(server_bin: Path, bootstrap: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(server_bin.parent / "gregor"), "acls", "--bootstrap-server", bootstrap, *args],
                          capture_output=True, text=True, timeout=120)


def test_gregor_acls_add_list_remove_like_kafka_acls(acl_brokers, server_bin):
    first, second = acl_brokers
    topic = f"cli-{uuid.uuid4().hex[:8]}"
    resource = f"ResourcePattern(resourceType=TOPIC, name={topic}, patternType=PREFIXED)"
    added = gregor_acls(server_bin, first.bootstrap, "--add", "--allow-principal", "User:carol", "--operation", "Write",
                        "--operation", "Describe", "--allow-host", "10.1.2.3", "--topic", topic,
                        "--resource-pattern-type", "prefixed")
    assert added.returncode == 0, added.stderr
    assert f"Adding ACLs for resource `{resource}`: \n" in added.stdout
    assert "\t(principal=User:carol, host=10.1.2.3, operation=WRITE, permissionType=ALLOW)" in added.stdout
    assert f"Current ACLs for resource `{resource}`: \n" in added.stdout
    stored = zk_json(first, f"/kafka-acl-extended/prefixed/Topic/{topic}")["acls"]
    assert sorted(stored, key=lambda acl: acl["operation"]) == [
        {"principal": "User:carol", "permissionType": "Allow", "operation": "Describe", "host": "10.1.2.3"},
        {"principal": "User:carol", "permissionType": "Allow", "operation": "Write", "host": "10.1.2.3"}]

    def listed():
        out = gregor_acls(server_bin, second.bootstrap, "--list", "--topic", f"{topic}-x", "--resource-pattern-type", "match")
        return "operation=DESCRIBE" in out.stdout and "operation=WRITE" in out.stdout, out.stdout + out.stderr
    wait_until(listed, 30, "the second broker lists the ACLs added through the first")

    removed = gregor_acls(server_bin, first.bootstrap, "--remove", "--force", "--allow-principal", "User:carol",
                          "--operation", "Write", "--allow-host", "10.1.2.3", "--topic", topic,
                          "--resource-pattern-type", "prefixed")
    assert removed.returncode == 0, removed.stderr
    assert "operation=WRITE" not in removed.stdout and "operation=DESCRIBE" in removed.stdout
    everything = gregor_acls(server_bin, first.bootstrap, "--remove", "--force", "--topic", topic,
                             "--resource-pattern-type", "prefixed")
    assert everything.returncode == 0, everything.stderr
    assert zk_json(first, f"/kafka-acl-extended/prefixed/Topic/{topic}") is None

    refused = gregor_acls(server_bin, first.bootstrap, "--add", "--allow-principal", "User:carol", "--operation",
                          "IdempotentWrite", "--topic", topic)
    assert refused.returncode != 0 and "ResourceType TOPIC only supports operations" in refused.stderr


def test_gregor_acls_without_authorizer_reports_security_disabled(bootstrap, server_bin):
    listed = gregor_acls(server_bin, bootstrap, "--list")
    assert listed.returncode == 1
    assert "Error while executing ACL command" in listed.stderr and "No Authorizer is configured" in listed.stderr
