"""The chaos suite's private network: one network namespace per node, joined Jepsen-style by veth pairs.

Every node (ZooKeeper members, brokers, and the client the driver itself runs in) gets its own namespace and an
identity address 10.77.0.N/32 on its loopback. Every two nodes are joined by their own veth pair (a full mesh)
with a /30 of 10.77.L.0 and a host route to the other's identity address through it, so "cut broker b2 from
ZooKeeper" means cutting exactly the links b2-zk1, b2-zk2 and b2-zk3, and nothing else changes.

A cut is one of two kinds:
- `drop`: both ends get a permanent ARP entry with a MAC nobody has; frames still leave but the peer's kernel
  discards them (not addressed to it). Packets vanish silently, as with iptables DROP: connects and requests
  time out. (This machine's kernel has no netem/matchall qdisc for tc and no dummy links.)
- `down`: both ends of the veth go down, their routes with them: senders get "network unreachable" at once.
Healing deletes the ARP entries, or brings the links up and puts the routes back.

Nothing touches the namespace the driver was started in: the veths are created directly inside their
namespaces (so interface names never collide between runs), addresses are private, nothing leaves the machine.
Namespace names are `gchaos-<pid>-<random>-<node>`; leftovers whose owning pid is dead (a run that was
SIGKILLed) are removed by the next run. Needs CAP_NET_ADMIN (root).
"""

from __future__ import annotations

import ctypes
import itertools
import os
import re
import signal
import subprocess
import uuid
from pathlib import Path

PREFIX = "gchaos"
NETNS_DIR = Path("/run/netns")
CLONE_NEWNET = 0x40000000
BOGUS_MAC = "02:00:00:00:de:ad"  # locally administered, no interface here has it
_OWNED = re.compile(rf"^{PREFIX}-(\d+)-[0-9a-f]+-[a-z0-9]+$")


class NetworkError(Exception):
    pass


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise NetworkError(f"ip {' '.join(args)}: {result.stderr.strip() or result.returncode}")
    return result


def can_create_namespaces() -> str | None:
    """None if this process can create network namespaces, else why not (for a clear message)."""
    name = f"{PREFIX}-{os.getpid()}-{uuid.uuid4().hex[:6]}-probe"
    try:
        result = ip("netns", "add", name, check=False)
    except FileNotFoundError:
        return "the `ip` command (iproute2) is not installed"
    why = "need root, or CAP_SYS_ADMIN and CAP_NET_ADMIN"
    if result.returncode != 0:
        return f"`ip netns add` failed: {result.stderr.strip()} ({why}; running as uid {os.getuid()})"
    try:
        for args in (("link", "set", "lo", "up"), ("link", "add", "p0", "type", "veth", "peer", "name", "p1")):
            result = ip("-n", name, *args, check=False)
            if result.returncode != 0:
                return f"`ip -n <ns> {' '.join(args)}` failed: {result.stderr.strip()} ({why})"
    finally:
        ip("netns", "del", name, check=False)
    return None


def _owner_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"chaos" in f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False


def remove_leftovers(log=print) -> list[str]:
    """Deletes `gchaos-*` namespaces of earlier runs whose driver is dead, after SIGKILLing any process still in
    them (their brokers and ZooKeepers). Namespaces of live runs are left alone."""
    removed = []
    if not NETNS_DIR.is_dir():
        return removed
    for entry in sorted(NETNS_DIR.iterdir()):
        m = _OWNED.match(entry.name)
        if not m or _owner_alive(int(m.group(1))):
            continue
        pids = ip("netns", "pids", entry.name, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        ip("netns", "del", entry.name, check=False)
        removed.append(entry.name)
    if removed:
        log(f"removed {len(removed)} network namespaces left by dead chaos runs: {', '.join(removed)}")
    return removed


class Link:
    """One veth pair between nodes a and b: a has 10.77.<n>.1 on `v-<b>`, b has 10.77.<n>.2 on `v-<a>`."""

    def __init__(self, a: str, b: str, n: int):
        self.a, self.b, self.n = a, b, n
        self.addr = {a: f"10.77.{n}.1", b: f"10.77.{n}.2"}
        self.dev = {a: f"v-{b}", b: f"v-{a}"}
        self.cut: str | None = None  # None, "drop" or "down"

    def other(self, node: str) -> str:
        return self.b if node == self.a else self.a


class ChaosNetwork:
    def __init__(self, nodes: dict[str, int], client: str = "cl", client_host: int = 100):
        """`nodes`: {node name: N of its identity address 10.77.0.N}; names are short ([a-z0-9], <= 12 chars)."""
        self.tag = f"{PREFIX}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.client = client
        self.hosts = dict(nodes)
        self.hosts[client] = client_host
        names = list(self.hosts)
        self.links = {frozenset(pair): Link(pair[0], pair[1], n + 1)
                      for n, pair in enumerate(itertools.combinations(names, 2))}
        self.created: list[str] = []

    def ns(self, node: str) -> str:
        return f"{self.tag}-{node}"

    def addr(self, node: str) -> str:
        return f"10.77.0.{self.hosts[node]}"

    def exec_prefix(self, node: str) -> list[str]:
        return ["ip", "netns", "exec", self.ns(node)]

    def link(self, a: str, b: str) -> Link:
        return self.links[frozenset((a, b))]

    # --- setup and teardown ------------------------------------------------------------------------------------

    def create(self):
        for node in self.hosts:
            ip("netns", "add", self.ns(node))
            self.created.append(self.ns(node))
            ip("-n", self.ns(node), "link", "set", "lo", "up")
            ip("-n", self.ns(node), "addr", "add", f"{self.addr(node)}/32", "dev", "lo")
        for link in self.links.values():
            a, b = link.a, link.b
            ip("link", "add", "name", link.dev[a], "netns", self.ns(a), "type", "veth",
               "peer", "name", link.dev[b], "netns", self.ns(b))
            for node in (a, b):
                ip("-n", self.ns(node), "addr", "add", f"{link.addr[node]}/30", "dev", link.dev[node])
                ip("-n", self.ns(node), "link", "set", link.dev[node], "up")
                self._route(link, node)
        return self

    def _route(self, link: Link, node: str):
        peer = link.other(node)
        ip("-n", self.ns(node), "route", "replace", f"{self.addr(peer)}/32", "via", link.addr[peer],
           "dev", link.dev[node], "src", self.addr(node))

    def enter_client(self):
        """Moves this process (its calling thread, and every thread and child created afterwards) into the client
        namespace. Call before any other thread starts."""
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        fd = os.open(NETNS_DIR / self.ns(self.client), os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise NetworkError(f"setns into {self.ns(self.client)}: {os.strerror(ctypes.get_errno())}")
        finally:
            os.close(fd)

    def destroy(self):
        """Deletes every namespace of this run (their veths go with them). Idempotent."""
        for name in reversed(self.created):
            ip("netns", "del", name, check=False)
        self.created.clear()

    # --- faults ------------------------------------------------------------------------------------------------

    def cut(self, a: str, b: str, mode: str = "drop"):
        link = self.link(a, b)
        if link.cut:
            return
        for node in (a, b):
            peer = link.other(node)
            if mode == "drop":
                ip("-n", self.ns(node), "neigh", "replace", link.addr[peer], "lladdr", BOGUS_MAC,
                   "nud", "permanent", "dev", link.dev[node])
            elif mode == "down":
                ip("-n", self.ns(node), "link", "set", link.dev[node], "down")
            else:
                raise ValueError(f"unknown cut mode {mode!r}")
        link.cut = mode

    def heal(self, a: str, b: str):
        link = self.link(a, b)
        if link.cut == "drop":
            for node in (a, b):
                ip("-n", self.ns(node), "neigh", "del", link.addr[link.other(node)], "dev", link.dev[node],
                   check=False)
        elif link.cut == "down":
            for node in (a, b):
                ip("-n", self.ns(node), "link", "set", link.dev[node], "up")
            for node in (a, b):  # a link going down took its routes along
                self._route(link, node)
        link.cut = None

    def isolate(self, node: str, peers: list[str], mode: str = "drop"):
        for peer in peers:
            self.cut(node, peer, mode)

    def heal_all(self):
        for link in self.links.values():
            if link.cut:
                self.heal(link.a, link.b)

    def cut_links(self) -> list[str]:
        return [f"{link.a}-{link.b} ({link.cut})" for link in self.links.values() if link.cut]
