"""The chaos suite's clients, each in a thread of the driver: an idempotent acks=all producer and a group consumer
that commits, both recording everything the checks need.

Producer: confluent-kafka, enable.idempotence=true, acks=all, unlimited retries, a long message timeout. It sends
to every partition in turn at a fixed rate; each value is `<instance>:<partition>:<seq>` with seq counting up per
partition, so the final log shows losses, duplicates and reordering per partition. Every delivery report is kept:
acknowledged (with its offset and the time it arrived) or failed (with the error). A fatal producer error (the
idempotent producer gives up) is recorded and a new instance, with a new instance number, carries on; so does a
replace() (the driver's answer to a producer that stopped making progress while the cluster is healthy).

Consumer: confluent-kafka in a group (subscribe), auto commit off; it commits its position synchronously every
second and reads the committed offsets back (OffsetFetch) right after, recording both, and every record it was
given (partition, offset, value).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


def parse_value(value: bytes) -> tuple[int, int, int] | None:
    """b"<instance>:<partition>:<seq>" -> (instance, partition, seq), None for anything else."""
    try:
        inst, part, seq = value.decode().split(":")
        return int(inst), int(part), int(seq)
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None


def _recording_crash(owner, run):
    def wrapped():
        try:
            run()
        except Exception:  # noqa: BLE001 - kept for the verdict instead of vanishing into stderr
            owner.crash = traceback.format_exc()
            raise
    return wrapped


def _debug_config(debug: str, path: Path | None, name: str) -> dict:
    """librdkafka `debug` contexts logged to a file (for reproducing a client that gets stuck)."""
    if not debug or path is None:
        return {}
    logger = logging.getLogger(f"chaos.{name}")
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return {"debug": debug, "log_level": 7, "logger": logger}


@dataclass
class ProducerRecord:
    acked: dict[tuple[int, int, int], int] = field(default_factory=dict)   # (inst, p, seq) -> offset, -1 unknown
    ack_times: list[tuple[float, int]] = field(default_factory=list)      # (monotonic time, partition)
    failed: dict[tuple[int, int, int], str] = field(default_factory=dict)
    fatal_errors: list[str] = field(default_factory=list)
    produce_errors: Counter = field(default_factory=Counter)  # produce() refused a message: {error name: count}
    sent: int = 0


class ChaosProducer:
    def __init__(self, bootstrap: str, topic: str, partitions: int, rate: float, log,
                 debug: str = "", debug_log: Path | None = None):
        """`debug`: librdkafka debug contexts (e.g. "eos,msg,broker"), written with timestamps to `debug_log`."""
        self.bootstrap, self.topic, self.partitions, self.rate, self.log = bootstrap, topic, partitions, rate, log
        self.debug_config = _debug_config(debug, debug_log, "producer")
        self.record = ProducerRecord()
        self.instance = 0
        self.seq = [0] * partitions
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._fatal = threading.Event()
        self._replace = threading.Event()
        self.crash: str | None = None  # the traceback if the thread died: a driver bug, reported as an incident
        self._thread = threading.Thread(target=_recording_crash(self, self._run), name="chaos-producer", daemon=True)
        self.producer = None
        self.retired = []
        self.unresolved = 0

    def _new_producer(self):
        import confluent_kafka
        self._fatal.clear()
        self.seq = [0] * self.partitions
        return confluent_kafka.Producer({
            "bootstrap.servers": self.bootstrap, "enable.idempotence": True, "acks": "all",
            "message.send.max.retries": 10_000_000, "retry.backoff.ms": 100, "message.timeout.ms": 900_000,
            "request.timeout.ms": 10_000, "socket.timeout.ms": 10_000, "linger.ms": 5,
            "max.in.flight.requests.per.connection": 5, "topic.metadata.refresh.interval.ms": 2000,
            "reconnect.backoff.ms": 100, "reconnect.backoff.max.ms": 1000,
            "error_cb": self._on_error, "log_level": 2, **self.debug_config})

    def _on_error(self, err):
        if err.fatal():
            with self._lock:
                self.record.fatal_errors.append(f"instance {self.instance}: {err}")
            self._fatal.set()

    def _on_delivery(self, err, msg):
        key = parse_value(msg.value())
        with self._lock:
            if err is None:
                # No offset (None) when librdkafka infers the delivery: a later batch of the partition was
                # acknowledged, so an earlier one whose answer was lost must have been written before it.
                offset = msg.offset()
                self.record.acked[key] = offset if offset is not None else -1
                self.record.ack_times.append((time.monotonic(), msg.partition()))
            else:
                self.record.failed[key] = err.name()

    def start(self):
        self.producer = self._new_producer()
        self._thread.start()
        return self

    def _run(self):
        import confluent_kafka
        interval = 1.0 / self.rate
        next_send = time.monotonic()
        p = 0
        while not self._stop.is_set():
            if self._fatal.is_set() or self._replace.is_set():
                why = "hit a fatal error" if self._fatal.is_set() else "is replaced"
                self.log(f"producer instance {self.instance} {why}; starting instance {self.instance + 1}")
                self._replace.clear()
                # Outstanding messages get an error delivery report (_PURGE_QUEUE / _PURGE_INFLIGHT): failed, not
                # acknowledged, so the checks never expect them in the log.
                self.producer.purge()
                self.unresolved += self.producer.flush(5)
                self.instance += 1
                # Kept referenced, never destroyed: destroying a client that stopped making progress can block.
                self.retired.append(self.producer)
                self.producer = self._new_producer()
            now = time.monotonic()
            if now >= next_send:
                value = f"{self.instance}:{p}:{self.seq[p]}".encode()
                try:
                    self.producer.produce(self.topic, value=value, partition=p, on_delivery=self._on_delivery)
                    self.seq[p] += 1
                    self.record.sent += 1
                    p = (p + 1) % self.partitions
                    next_send += interval
                except BufferError:
                    next_send = now + 0.1
                except confluent_kafka.KafkaException as e:
                    # E.g. _UNKNOWN_TOPIC: a broker that just restarted answered Metadata without the topic, and
                    # librdkafka refuses new messages until a later Metadata has it again. Same seq next time.
                    self.record.produce_errors[str(e.args[0].name() if e.args else e)] += 1
                    next_send = now + 0.1
                if next_send < now - 1.0:  # fell behind (blocked): do not burst to catch up
                    next_send = now
            self.producer.poll(max(0.0, min(0.01, next_send - time.monotonic())))

    def replace(self):
        """Makes the thread drop the current producer instance (purging what it holds) and start a new one."""
        self._replace.set()

    def last_ack(self) -> float | None:
        with self._lock:
            return self.record.ack_times[-1][0] if self.record.ack_times else None

    def acked_count(self) -> int:
        with self._lock:
            return len(self.record.acked)

    def stop(self, flush_timeout: float):
        """Stops sending and waits up to `flush_timeout` for the outstanding delivery reports."""
        self._stop.set()
        self._thread.join(30)
        self.unresolved += self.producer.flush(flush_timeout)
        return self.record


@dataclass
class ConsumerRecord:
    seen: list[tuple[int, int, bytes]] = field(default_factory=list)     # (partition, offset, value)
    commits: list[tuple[float, int, int]] = field(default_factory=list)   # acknowledged commit (time, p, offset)
    readbacks: list[tuple[float, int, int]] = field(default_factory=list)  # OffsetFetch answer (time, p, offset)
    commit_failures: int = 0
    readback_failures: int = 0
    errors: list[str] = field(default_factory=list)
    rebalances: int = 0


class ChaosConsumer:
    def __init__(self, bootstrap: str, topic: str, group: str, log, commit_interval: float = 1.0):
        self.bootstrap, self.topic, self.group, self.log = bootstrap, topic, group, log
        self.commit_interval = commit_interval
        self.record = ConsumerRecord()
        self.positions: dict[int, int] = {}
        self._stop = threading.Event()
        self.crash: str | None = None
        self._thread = threading.Thread(target=_recording_crash(self, self._run), name="chaos-consumer", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _on_assign(self, _consumer, partitions):
        self.record.rebalances += 1

    def _run(self):
        import confluent_kafka
        consumer = confluent_kafka.Consumer({
            "bootstrap.servers": self.bootstrap, "group.id": self.group, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "session.timeout.ms": 10_000, "heartbeat.interval.ms": 1000,
            "socket.timeout.ms": 10_000, "topic.metadata.refresh.interval.ms": 2000,
            "reconnect.backoff.max.ms": 1000, "log_level": 2})
        consumer.subscribe([self.topic], on_assign=self._on_assign)
        last_commit = time.monotonic()
        try:
            while not self._stop.is_set():
                msg = consumer.poll(0.2)
                if msg is not None:
                    if msg.error():
                        if len(self.record.errors) < 100:
                            self.record.errors.append(str(msg.error()))
                    else:
                        self.record.seen.append((msg.partition(), msg.offset(), msg.value()))
                        self.positions[msg.partition()] = msg.offset() + 1
                if time.monotonic() - last_commit >= self.commit_interval:
                    self._commit_and_read_back(consumer)
                    last_commit = time.monotonic()
            self._commit_and_read_back(consumer)
        finally:
            consumer.close()

    def _commit_and_read_back(self, consumer):
        import confluent_kafka
        assigned = consumer.assignment()
        if not assigned:
            return
        try:
            done = consumer.commit(asynchronous=False)
            now = time.monotonic()
            for tp in done or []:
                if tp.error is None and tp.offset >= 0:
                    self.record.commits.append((now, tp.partition, tp.offset))
        except confluent_kafka.KafkaException as e:
            if "_NO_OFFSET" not in str(e):  # nothing consumed since the last commit
                self.record.commit_failures += 1
        try:
            answer = consumer.committed(assigned, timeout=5)
            now = time.monotonic()
            for tp in answer:
                if tp.error is None and tp.offset >= 0:
                    self.record.readbacks.append((now, tp.partition, tp.offset))
        except confluent_kafka.KafkaException:
            self.record.readback_failures += 1

    def caught_up(self, high_watermarks: dict[int, int]) -> bool:
        return all(self.positions.get(p, 0) >= hw for p, hw in high_watermarks.items())

    def stop(self):
        self._stop.set()
        self._thread.join(60)
        return self.record
