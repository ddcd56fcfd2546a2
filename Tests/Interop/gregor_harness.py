#!/usr/bin/env python3
"""Private ZooKeeper + gregor-server processes for the interop tests and the benchmarks (standard library only).

Each ZooKeeper gets a free loopback port and its own data dir; each broker gets a free port, its own log.dirs and
a unique ZooKeeper chroot, so several test runs on one machine never meet. Processes are started in their own
session; with `die_with_parent=True` (the pytest fixtures) the kernel also SIGKILLs them if the Python process dies
without cleaning up (PR_SET_PDEATHSIG).

Command line (used by scripts/bench/produce-consume.sh):
    gregor_harness.py up --base DIR --server-bin PATH [--override key=value ...]
        starts ZooKeeper and one broker in DIR, prints shell assignments (BOOTSTRAP, BROKER_PID, ...) and leaves
        both running; they are also written to DIR/cluster.env
    gregor_harness.py down --base DIR
        SIGTERM to the broker, then ZooKeeper (SIGKILL after a timeout)
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import shlex
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import kafka_wire  # noqa: E402

ZK_CLASSPATH_JARS = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-log4j12.jar",
                     "/usr/share/java/log4j-1.2.jar"]


class HarnessError(Exception):
    pass


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago (the caller retries if it is taken meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _set_pdeathsig():  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def tail(path: Path, lines: int = 60, since: int = 0) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
    except FileNotFoundError:
        return f"(no file {path})"
    return "\n".join(text.splitlines()[-lines:])


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and os.access(f"{home}/bin/java", os.X_OK):
        return f"{home}/bin/java"
    return "java"


def _stop_process(proc: subprocess.Popen, timeout: float) -> int | None:
    """SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit status."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def _four_letter_word(port: int, word: str, timeout: float = 2.0, host: str = "127.0.0.1") -> str:
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(word.encode())
            chunks = []
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks).decode(errors="replace")
    except OSError:
        return ""


class ZooKeeper:
    """A ZooKeeper 3.8 server (Debian's jars) started like scripts/start-zookeeper.sh does: standalone, or with
    `myid` and `servers` ({id: host}, ports 2888/3888 on each host) one member of an ensemble.

    `host` is the client address it listens on; `wrapper` is put before the java command line (the chaos suite
    starts members with `ip netns exec <ns>`, which execs, so the pid stays java's)."""

    def __init__(self, directory: Path, die_with_parent: bool = True, tick_time_ms: int = 2000,
                 host: str = "127.0.0.1", port: int | None = None, myid: int | None = None,
                 servers: dict[int, str] | None = None, wrapper: list[str] | None = None):
        self.dir = Path(directory)
        # ZooKeeper checks session expiry once per tick: a dead client's session ends between its timeout and the
        # timeout plus one tick.
        self.tick_time_ms = tick_time_ms
        self.data_dir = self.dir / "data"
        self.log_path = self.dir / "zookeeper.log"
        self.die_with_parent = die_with_parent
        self.host = host
        self.port: int | None = port
        self.myid = myid
        self.servers = dict(servers or {})
        self.wrapper = list(wrapper or [])
        self.proc: subprocess.Popen | None = None

    @property
    def connect(self) -> str:
        return f"{self.host}:{self.port}"

    def _write_config(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # An ensemble member on a busy machine needs more ticks to sync with its leader than a standalone server.
        init_limit, sync_limit = (20, 10) if self.servers else (10, 5)
        ensemble = "".join(f"server.{sid}={host}:2888:3888\n" for sid, host in sorted(self.servers.items()))
        if self.servers:
            (self.data_dir / "myid").write_text(f"{self.myid}\n")
        (self.dir / "zoo.cfg").write_text(
            f"tickTime={self.tick_time_ms}\ninitLimit={init_limit}\nsyncLimit={sync_limit}\n"
            f"dataDir={self.data_dir}\nclientPort={self.port}\nclientPortAddress={self.host}\n"
            "maxClientCnxns=0\nadmin.enableServer=false\n4lw.commands.whitelist=srvr,ruok,stat,mntr,conf\n"
            "forceSync=no\n" + ensemble)
        (self.dir / "log4j.properties").write_text(
            "log4j.rootLogger=INFO, CONSOLE\n"
            "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\n"
            "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n\n"
            "log4j.logger.org.apache.zookeeper.server.NIOServerCnxn=WARN\n")

    def _launch(self) -> int:
        """Writes zoo.cfg and starts java, output appended to zookeeper.log; returns the log's size before."""
        for jar in ZK_CLASSPATH_JARS:
            if not os.path.exists(jar):
                raise HarnessError(f"{jar} is missing: install Debian's zookeeper package (scripts/setup.sh)")
        self.dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        classpath = ":".join([str(self.dir)] + ZK_CLASSPATH_JARS)
        argv = self.wrapper + [
            _java(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
            f"-Djava.io.tmpdir={self.dir}", "-Dzookeeper.jmx.log4j.disable=true",
            "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(self.dir / "zoo.cfg")]
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         start_new_session=True,
                                         preexec_fn=_set_pdeathsig if self.die_with_parent else None)
        return log_start

    def mode(self) -> str:
        """`standalone`, `leader` or `follower` once the server serves requests, else ""."""
        answer = _four_letter_word(self.port, "srvr", host=self.host)
        for line in answer.splitlines():
            if line.startswith("Mode: "):
                return line[len("Mode: "):].strip()
        return ""

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(self):
        """Starts the server on its fixed port without waiting (an ensemble member serves only once a quorum of
        members runs); follow with wait_serving()."""
        if self.port is None:
            raise HarnessError("spawn() needs a fixed port")
        if self.is_running():
            raise HarnessError("ZooKeeper already running")
        self._launch()
        return self

    def wait_serving(self, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(f"ZooKeeper {self.connect} exited (status {self.proc.returncode}):\n"
                                   f"{tail(self.log_path, 40)}")
            if self.mode() in ("standalone", "leader", "follower"):
                return self
            time.sleep(0.1)
        raise HarnessError(f"ZooKeeper {self.connect} not serving within {timeout}s:\n{tail(self.log_path, 40)}")

    def kill9(self):
        if self.is_running():
            self.proc.kill()
            self.proc.wait()

    def start(self, timeout: float = 60.0):
        """A standalone server on a free loopback port, retried when another process takes the port first."""
        last_error = ""
        for _attempt in range(3):
            self.port = free_port()
            log_start = self._launch()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                answer = _four_letter_word(self.port, "srvr")
                if "Mode: standalone" in answer:
                    return self
                time.sleep(0.1)
            log_text = tail(self.log_path, 40, since=log_start)
            if self.proc.poll() is None:
                _stop_process(self.proc, 5)
                raise HarnessError(f"ZooKeeper did not serve on port {self.port} within {timeout}s:\n{log_text}")
            last_error = log_text
            if "Address already in use" not in log_text:
                break
        raise HarnessError(f"ZooKeeper exited during startup (status {self.proc.returncode}):\n{last_error}")

    def stop(self, timeout: float = 20.0):
        if self.proc is not None:
            _stop_process(self.proc, timeout)


def default_server_bin() -> Path:
    """$GREGOR_BIN_DIR/gregor-server, else the debug build's bin path (`swift build --show-bin-path`)."""
    bin_dir = os.environ.get("GREGOR_BIN_DIR")
    if not bin_dir:
        try:
            bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO_ROOT, check=True,
                                     capture_output=True, text=True, timeout=120).stdout.strip()
        except (OSError, subprocess.SubprocessError) as e:
            raise HarnessError(f"set GREGOR_BIN_DIR (swift build --show-bin-path failed: {e})") from e
    path = Path(bin_dir) / "gregor-server"
    if not os.access(path, os.X_OK):
        raise HarnessError(f"{path} not found or not executable: build it (swift build) or set GREGOR_BIN_DIR")
    return path


class Broker:
    """One gregor-server: `<bin> <dir>/server.properties [--override k=v ...]`, output appended to broker.log.

    The port, log.dirs and chroot chosen at the first start are kept, so restart() brings back the same broker.
    `host` is the address it listens on and advertises (a fixed `port` with it, for a broker alone in a network
    namespace); `wrapper` goes before the command line (`ip netns exec <ns>`, which execs: the pid stays the
    broker's, so suspend() and kill9() reach it).
    """

    def __init__(self, server_bin: Path, zk_connect: str, directory: Path, broker_id: int = 0,
                 properties: dict[str, str] | None = None, overrides: dict[str, str] | None = None,
                 env: dict[str, str] | None = None, die_with_parent: bool = True, chroot: str | None = None,
                 open_files: int | None = None, host: str = "127.0.0.1", port: int | None = None,
                 wrapper: list[str] | None = None, extra_listeners: dict[str, str] | None = None):
        """`open_files` sets the process's `ulimit -n`, soft and hard, so the broker cannot raise it.

        `extra_listeners` maps more listener names to their security protocol ({"SASL_SSL": "SASL_SSL"}); each
        gets a free port at the first start, kept across restarts, and `address(name)` gives its host:port. The
        PLAINTEXT listener stays first: `bootstrap` and the readiness checks use it."""
        self.server_bin = Path(server_bin)
        self.open_files = open_files
        self.dir = Path(directory)
        self.broker_id = broker_id
        self.data_dir = self.dir / "data"
        self.log_path = self.dir / "broker.log"
        self.properties_path = self.dir / "server.properties"
        self.chroot = chroot or f"/gregor-interop-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.zk_connect = zk_connect
        self.extra_properties = dict(properties or {})
        self.overrides = dict(overrides or {})
        self.env = dict(env or {})
        self.die_with_parent = die_with_parent
        self.host = host
        self.port: int | None = port
        self.wrapper = list(wrapper or [])
        self.extra_listeners = dict(extra_listeners or {})
        self.extra_ports: dict[str, int] = {}
        self.proc: subprocess.Popen | None = None
        self.run_log_start = 0
        self.starts = 0

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def address(self, listener: str) -> str:
        """host:port of a listener: PLAINTEXT or one of `extra_listeners`."""
        if listener == "PLAINTEXT":
            return self.bootstrap
        return f"{self.host}:{self.extra_ports[listener]}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _write_properties(self):
        props = {
            "broker.id": str(self.broker_id),
            "listeners": f"PLAINTEXT://{self.host}:{self.port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{self.port}",
            "log.dirs": str(self.data_dir),
            "zookeeper.connect": f"{self.zk_connect}{self.chroot}",
            "zookeeper.session.timeout.ms": "6000",
            "zookeeper.connection.timeout.ms": "18000",
            "auto.create.topics.enable": "true",
            "delete.topic.enable": "true",
            "num.partitions": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # A broker stopped last keeps partitions nobody else can lead, and its controlled shutdown retries
            # them: 0.2 s apart here rather than Kafka's 5 s, so that stopping a cluster stays quick.
            "controlled.shutdown.retry.backoff.ms": "200",
        }
        if self.extra_listeners:
            for name in self.extra_listeners:
                self.extra_ports.setdefault(name, free_port())
            listeners = [f"PLAINTEXT://{self.host}:{self.port}"] + [
                f"{name}://{self.host}:{port}" for name, port in self.extra_ports.items()]
            props["listeners"] = props["advertised.listeners"] = ",".join(listeners)
            props["listener.security.protocol.map"] = ",".join(
                ["PLAINTEXT:PLAINTEXT"] + [f"{name}:{proto}" for name, proto in self.extra_listeners.items()])
            props["inter.broker.listener.name"] = "PLAINTEXT"
        props.update(self.extra_properties)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.properties_path.write_text(
            "# Generated by Tests/Interop/gregor_harness.py\n" + "".join(f"{k}={v}\n" for k, v in props.items()))

    def start(self, timeout: float = 90.0):
        if self.is_running():
            raise HarnessError("broker already running")
        attempts = 3 if self.port is None else 1
        for _attempt in range(attempts):
            if self.port is None or attempts > 1:
                self.port = free_port()
            self._launch("start")
            try:
                self.wait_ready(timeout)
                return self
            except HarnessError:
                text = self.log_text(self.run_log_start)
                if self.proc.poll() is not None and "in use" in text and attempts > 1:
                    continue  # the port was taken between free_port() and the broker's bind: pick another
                raise
        raise HarnessError("broker could not bind a free port")

    def _launch(self, verb: str):
        """Writes server.properties and starts the process, its output appended to broker.log."""
        self._write_properties()
        argv = self.wrapper + [str(self.server_bin), str(self.properties_path)]
        for key, value in sorted(self.overrides.items()):
            argv += ["--override", f"{key}={value}"]
        self.run_log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        env = dict(os.environ)
        env.update(self.env)
        with open(self.log_path, "ab") as log:
            log.write(f"===== harness: {verb} #{self.starts + 1}: {shlex.join(argv)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         env=env, start_new_session=True, preexec_fn=self._preexec())
        self.starts += 1

    def _preexec(self):
        """What runs in the child between fork and exec: the parent-death signal, the descriptor limit."""
        die_with_parent, open_files = self.die_with_parent, self.open_files
        if not die_with_parent and open_files is None:
            return None

        def preexec():
            if die_with_parent:
                _set_pdeathsig()
            if open_files is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))
        return preexec

    def wait_ready(self, timeout: float):
        """Until the broker answers ApiVersions v0 and Metadata v1 (listing itself) on its port."""
        deadline = time.monotonic() + timeout
        last = "no attempt"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(f"gregor-server exited during startup (status {self.proc.returncode}); "
                                   f"last lines of {self.log_path}:\n{self.tail()}")
            try:
                with kafka_wire.Connection(self.host, self.port, timeout=2.0,
                                           client_id="gregor-interop-probe") as conn:
                    versions = conn.api_versions_v0()
                    if versions.error_code != 0:
                        last = f"ApiVersions error {versions.error_code}"
                    elif kafka_wire.METADATA in versions.api_keys:
                        md = conn.metadata_v1([])
                        if self.broker_id in md.brokers:
                            return
                        last = f"Metadata lists brokers {sorted(md.brokers)}, not {self.broker_id} yet"
                    else:
                        return
            except (OSError, kafka_wire.ConnectionClosed, kafka_wire.Truncated, AssertionError, ValueError) as e:
                last = f"{type(e).__name__}: {e}"
            time.sleep(0.2)
        raise HarnessError(f"gregor-server (pid {self.pid}) did not answer ApiVersions/Metadata on {self.bootstrap} "
                           f"within {timeout}s (last: {last}); last lines of {self.log_path}:\n{self.tail()}")

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM and wait (clean shutdown); SIGKILL after `timeout`. Returns the exit status."""
        if self.proc is None:
            return None
        return _stop_process(self.proc, timeout)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self, timeout: float = 90.0):
        status = self.stop()
        if status not in (0, None):
            raise HarnessError(f"gregor-server exited with status {status} on SIGTERM:\n{self.tail()}")
        self.start(timeout)

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_text(self, since: int = 0) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 60) -> str:
        return tail(self.log_path, lines)

    # --- additions for the replication-safety tests and scripts/bench/failover.sh ---------------------------

    def spawn(self):
        """Like start(), but returns as soon as the process is launched (no retry, no readiness wait); follow
        with wait_ready(). Used to start several brokers at the same moment, or to time a restart."""
        if self.is_running():
            raise HarnessError("broker already running")
        if self.port is None:
            self.port = free_port()
        self._launch("spawn")
        return self

    def suspend(self, timeout: float = 10.0):
        """SIGSTOP: the process freezes (sockets stay open, the ZooKeeper session expires if long enough).

        Returns once every thread has stopped. SIGSTOP is asynchronous: the kernel wakes one thread, which stops
        the others when it runs, so on a loaded machine the rest can still answer a request sent after kill()
        returned. The parent learns of the completed group stop through waitid (WNOWAIT leaves the event)."""
        if not self.is_running():
            return
        os.kill(self.proc.pid, signal.SIGSTOP)
        deadline = time.monotonic() + timeout
        while True:
            info = os.waitid(os.P_PID, self.proc.pid, os.WSTOPPED | os.WNOHANG | os.WNOWAIT)
            if info is not None and info.si_code == os.CLD_STOPPED:
                return
            if self.proc.poll() is not None:
                raise HarnessError(f"broker {self.broker_id} exited instead of stopping")
            if time.monotonic() > deadline:
                raise HarnessError(f"broker {self.broker_id} (pid {self.proc.pid}) did not stop within {timeout}s")
            time.sleep(0.002)

    def resume(self):
        """SIGCONT after suspend()."""
        if self.is_running():
            os.kill(self.proc.pid, signal.SIGCONT)

    def kill9(self):
        """SIGKILL without waiting (kill() also reaps); a SIGSTOPped process dies too."""
        if self.is_running():
            os.kill(self.proc.pid, signal.SIGKILL)

    def partition_dir(self, topic: str, partition: int) -> Path:
        return self.data_dir / f"{topic}-{partition}"

    def partition_batches(self, topic: str, partition: int) -> list[tuple[int, bytes]]:
        """The record batches of a partition's segment files, in file order: (baseOffset, whole batch bytes
        including the 12-byte offset+length prefix). A torn tail (shorter than its length) is left out."""
        batches: list[tuple[int, bytes]] = []
        for seg in sorted(self.partition_dir(topic, partition).glob("*.log")):
            data = seg.read_bytes()
            pos = 0
            while pos + 12 <= len(data):
                base, length = struct.unpack_from(">qi", data, pos)
                if length <= 0 or pos + 12 + length > len(data):
                    break
                batches.append((base, data[pos:pos + 12 + length]))
                pos += 12 + length
        return batches

    def cpu_seconds(self) -> float:
        """utime + stime of the broker process so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------------------------
# Command line for the benchmark scripts.

def _cmd_up(args):
    base = Path(args.base).resolve()
    base.mkdir(parents=True, exist_ok=True)
    overrides = {}
    for kv in args.override or []:
        key, sep, value = kv.partition("=")
        if not sep or not key:
            raise SystemExit(f"--override needs key=value, got {kv!r}")
        overrides[key] = value
    zk = ZooKeeper(base / "zookeeper", die_with_parent=False).start()
    try:
        broker = Broker(Path(args.server_bin), zk.connect, base / "broker", overrides=overrides,
                        die_with_parent=False).start(args.timeout)
    except Exception:
        zk.stop()
        raise
    values = {"ZK_PID": zk.proc.pid, "ZK_CONNECT": zk.connect, "BROKER_PID": broker.pid,
              "BOOTSTRAP": broker.bootstrap, "BROKER_LOG": broker.log_path, "BROKER_DIR": broker.dir}
    text = "".join(f"{k}={shlex.quote(str(v))}\n" for k, v in values.items())
    (base / "cluster.env").write_text(text)
    sys.stdout.write(text)


def _wait_pid_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie (our child elsewhere) counts as gone.
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def _cmd_down(args):
    env_file = Path(args.base) / "cluster.env"
    if not env_file.exists():
        return
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    for name, expect in (("BROKER_PID", "gregor-server"), ("ZK_PID", "QuorumPeerMain")):
        pid = int(shlex.split(values.get(name, "0"))[0] or 0)
        if pid <= 0:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if expect.encode() not in f.read():
                    continue  # the pid was reused by something else
            os.kill(pid, signal.SIGTERM)
        except (FileNotFoundError, ProcessLookupError):
            continue
        if not _wait_pid_gone(pid, args.timeout):
            os.kill(pid, signal.SIGKILL)
            _wait_pid_gone(pid, 10)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start ZooKeeper and one broker, print shell assignments")
    up.add_argument("--base", required=True)
    up.add_argument("--server-bin", required=True)
    up.add_argument("--override", action="append", metavar="KEY=VALUE")
    up.add_argument("--timeout", type=float, default=90.0)
    down = sub.add_parser("down", help="stop what `up` started in --base")
    down.add_argument("--base", required=True)
    down.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    try:
        {"up": _cmd_up, "down": _cmd_down}[args.command](args)
    except HarnessError as e:
        print(f"gregor_harness.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
