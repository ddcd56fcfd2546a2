"""Fixtures for the interop tests: a real ZooKeeper and real gregor-server processes on free loopback ports.

- `zookeeper` (session): Debian's ZooKeeper 3.8 started with a plain `java ... QuorumPeerMain` in a private dir.
- `broker` (session): one gregor-server (`$GREGOR_BIN_DIR/gregor-server`, else `swift build --show-bin-path`),
  its own log.dirs and ZooKeeper chroot; ready once it answers ApiVersions and Metadata.
- `broker_factory` (function): more brokers on the same ZooKeeper (own port, data dir and chroot), stopped at the
  end of the test; `restart_broker(b)` restarts one with SIGTERM, wait, and the same config and data dir.
  `broker_factory(name, broker_id=1, chroot=other.chroot)` adds a broker to another broker's cluster.
- `module_broker_factory` (module): the same, for brokers that several tests of one module share.
- `bootstrap`: "127.0.0.1:<port>" of the session broker.
- `tls_certs` (session): a test CA, broker and client certificates from scripts/tls-certs.sh (see tls_certs.py).

Every process is killed at teardown, also after failures, and by the kernel if pytest itself dies. The temp
dir (logs, data) is removed after a green run and kept after a failure (its path is printed), or always with
GREGOR_KEEP_TEST_DIRS=1. When a test fails, the tail of each broker log is attached to its report.

Environment:
  GREGOR_BIN_DIR       folder with gregor-server (scripts/test.sh sets it to the debug build)
  INTEROP_BOOTSTRAP    host:port of an already running Kafka-compatible broker to test instead (for comparing
                       with another broker); tests that need Gregor's process (restart, log checks) are skipped
  INTEROP_MESSAGES     messages per produce/consume round trip (default 100000)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gregor_harness as harness  # noqa: E402

EXTERNAL_BOOTSTRAP = os.environ.get("INTEROP_BOOTSTRAP", "").strip()

_live_brokers: list[harness.Broker] = []
_failed = False


def needs_gregor_process():
    if EXTERNAL_BOOTSTRAP:
        pytest.skip(f"needs a gregor-server process of its own; INTEROP_BOOTSTRAP={EXTERNAL_BOOTSTRAP} is set")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        global _failed
        _failed = True
        for broker in list(_live_brokers):
            report.sections.append((f"gregor-server log tail ({broker.log_path})", broker.tail(80)))


@pytest.fixture(scope="session")
def interop_tmp():
    base = Path(tempfile.mkdtemp(prefix="gregor-interop-"))
    yield base
    if _failed or os.environ.get("GREGOR_KEEP_TEST_DIRS"):
        print(f"\ninterop test files (logs, data) kept in {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def server_bin():
    try:
        return harness.default_server_bin()
    except harness.HarnessError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def zookeeper(interop_tmp):
    if EXTERNAL_BOOTSTRAP:
        yield None
        return
    zk = harness.ZooKeeper(interop_tmp / "zookeeper")
    try:
        zk.start()
    except harness.HarnessError as e:
        zk.stop()
        pytest.fail(f"could not start ZooKeeper: {e}", pytrace=False)
    yield zk
    zk.stop()


class BrokerFactory:
    def __init__(self, server_bin, zookeeper, base: Path):
        self.server_bin = server_bin
        self.zookeeper = zookeeper
        self.base = base
        self.started: list[harness.Broker] = []

    def __call__(self, name: str, properties: dict | None = None, overrides: dict | None = None,
                 env: dict | None = None, broker_id: int = 0, chroot: str | None = None,
                 open_files: int | None = None, extra_listeners: dict | None = None) -> harness.Broker:
        """A started broker; `chroot` of another broker (and a `broker_id` of its own) joins that one's cluster.
        `extra_listeners` ({"SSL": "SSL"}) adds listeners beside PLAINTEXT (see harness.Broker)."""
        directory = self.base / name
        n = 1
        while directory.exists():
            n += 1
            directory = self.base / f"{name}-{n}"
        broker = harness.Broker(self.server_bin, self.zookeeper.connect, directory, broker_id=broker_id,
                                properties=properties, overrides=overrides, env=env, chroot=chroot,
                                open_files=open_files, extra_listeners=extra_listeners)
        self.started.append(broker)
        _live_brokers.append(broker)
        try:
            broker.start()
        except harness.HarnessError as e:
            pytest.fail(f"could not start gregor-server: {e}", pytrace=False)
        return broker

    def close(self):
        for broker in self.started:
            broker.stop(timeout=30)
            if broker in _live_brokers:
                _live_brokers.remove(broker)


def _broker_env():
    env = {}
    level = os.environ.get("INTEROP_BROKER_LOG_LEVEL")
    if level:
        env["GREGOR_LOG_LEVEL"] = level
    return env


@pytest.fixture(scope="session")
def broker(interop_tmp, zookeeper, request):
    """The session's broker (None with INTEROP_BOOTSTRAP)."""
    if EXTERNAL_BOOTSTRAP:
        yield None
        return
    server = request.getfixturevalue("server_bin")
    factory = BrokerFactory(server, zookeeper, interop_tmp)
    try:
        yield factory("broker-session", env=_broker_env())
    finally:
        factory.close()


@pytest.fixture(scope="session")
def bootstrap(broker) -> str:
    return EXTERNAL_BOOTSTRAP or broker.bootstrap


@pytest.fixture
def broker_factory(interop_tmp, zookeeper, request):
    needs_gregor_process()
    server = request.getfixturevalue("server_bin")
    factory = BrokerFactory(server, zookeeper, interop_tmp)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(scope="module")
def module_broker_factory(interop_tmp, zookeeper, request):
    """Like broker_factory, but the brokers live until the module's last test is done."""
    needs_gregor_process()
    server = request.getfixturevalue("server_bin")
    factory = BrokerFactory(server, zookeeper, interop_tmp)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(scope="session")
def tls_certs(interop_tmp):
    from tls_certs import TlsCerts
    return TlsCerts(interop_tmp / "tls-certs")


@pytest.fixture
def restart_broker():
    """restart_broker(b): SIGTERM, wait for a clean exit (status 0), start again with the same config and data."""
    needs_gregor_process()

    def restart(b: harness.Broker, timeout: float = 90.0):
        try:
            b.restart(timeout)
        except harness.HarnessError as e:
            pytest.fail(f"restart of gregor-server failed: {e}", pytrace=False)
        return b

    return restart
