"""`gregor groups` (kafka-consumer-groups.sh's flags and output) against a real broker, with kcat as the group
member: list, describe offsets with lag, state, members, reset (dry run, execute, refused while active),
delete-offsets and delete."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from group_clients import create_topic, produce, wait_until  # noqa: E402


def gregor(server_bin: Path, bootstrap: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(server_bin.parent / "gregor"), "groups", "--bootstrap-server", bootstrap, *args],
                          capture_output=True, text=True, timeout=120)


def rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.strip().splitlines()[1:]]


def test_groups_command_lists_describes_resets_and_deletes(bootstrap, server_bin):
    topic, group = f"cli-{uuid.uuid4().hex[:8]}", f"g-cli-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, topic, 2)
    produce(bootstrap, topic, 2, 40, "cli")
    kcat = subprocess.run(["kcat", "-b", bootstrap, "-G", group, "-o", "beginning", "-e", "-q", topic],
                          capture_output=True, timeout=120)
    assert kcat.returncode == 0, kcat.stderr
    produce(bootstrap, topic, 2, 10, "more")

    listed = gregor(server_bin, bootstrap, "--list")
    assert group in listed.stdout.split(), listed

    def described():
        out = gregor(server_bin, bootstrap, "--describe", "--group", group)
        table = {(r[1], r[2]): r for r in rows(out.stdout) if len(r) == 9}
        ok = len(table) == 2 and all(r[4] != "-" and int(r[3]) + int(r[5]) == int(r[4]) for r in table.values())
        return ok and sum(int(r[3]) for r in table.values()) == 40 and sum(int(r[5]) for r in table.values()) == 10, out
    wait_until(described, 60, "describe shows 40 committed, 50 at the log end and a lag of 10 (kcat's member left)")

    state = gregor(server_bin, bootstrap, "--describe", "--group", group, "--state")
    assert "Empty" in state.stdout.splitlines()[-1].split(), state.stdout

    dry = gregor(server_bin, bootstrap, "--reset-offsets", "--group", group, "--topic", f"{topic}:0", "--to-earliest")
    assert rows(dry.stdout) == [[group, topic, "0", "0"]], dry.stdout
    shifted = gregor(server_bin, bootstrap, "--reset-offsets", "--group", group, "--topic", topic, "--shift-by", "-3",
                     "--execute")
    assert shifted.returncode == 0, shifted.stderr
    new = {int(r[2]): int(r[3]) for r in rows(shifted.stdout)}
    assert sum(new.values()) == 40 - 6, shifted.stdout
    committed = {int(r[2]): int(r[3]) for r in rows(gregor(server_bin, bootstrap, "--describe", "--group", group).stdout)}
    assert committed == new, f"describe after --execute: {committed}, reset to {new}"

    deleted_offsets = gregor(server_bin, bootstrap, "--delete-offsets", "--group", group, "--topic", f"{topic}:1")
    assert rows(deleted_offsets.stdout) == [[topic, "1", "Successful"]], deleted_offsets.stdout

    delete = gregor(server_bin, bootstrap, "--delete", "--group", group)
    assert delete.returncode == 0 and "was successful" in delete.stdout, delete
    again = gregor(server_bin, bootstrap, "--delete", "--group", group)
    assert again.returncode == 1 and "GROUP_ID_NOT_FOUND" in again.stderr, again


def test_consume_with_a_group_commits_and_the_next_run_resumes(bootstrap, server_bin):
    topic, group = f"cli-consume-{uuid.uuid4().hex[:8]}", f"g-consume-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, topic, 3)
    produce(bootstrap, topic, 3, 30, "c")
    gregor_bin = str(server_bin.parent / "gregor")

    def consume(*args: str) -> list[str]:
        run = subprocess.run([gregor_bin, "consume", "--bootstrap-server", bootstrap, "--topic", topic, "--group", group,
                              *args], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        return run.stdout.splitlines()

    first = consume("--from-beginning", "--max-messages", "12")
    assert len(first) == 12, first
    committed = {int(r[2]): int(r[3]) for r in rows(gregor(server_bin, bootstrap, "--describe", "--group", group).stdout)}
    assert sum(committed.values()) == 12, f"committed after 12 records: {committed}"
    rest = consume("--timeout-ms", "3000")
    assert len(rest) == 18 and not set(first) & set(rest), f"second run read {len(rest)} records"
