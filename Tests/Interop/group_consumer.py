#!/usr/bin/env python3
"""One confluent-kafka group member as its own process, so that a test can SIGKILL it (group_clients.py runs it).

    group_consumer.py '<json settings>'

Settings: bootstrap, group, topics (list), name, config (extra librdkafka properties), commit ("batch": after
each batch is processed, a synchronous commit of exactly the batch's next offsets for the partitions still owned;
"none"), max_batch (messages per consume() call).

It subscribes and prints one JSON object per line on stdout (flushed at once), each with "ev", "name" and "t"
(time.monotonic(), the same clock as the test process on Linux):
  {"ev": "assign"|"revoke"|"lost", "partitions": [[topic, p], ...], "owned": [[topic, p], ...]}
      from the rebalance callbacks (incremental with cooperative-sticky); "owned" is the assignment afterwards
  {"ev": "records", "recs": [[topic, p, offset], ...]}     a processed batch (printed before it is committed)
  {"ev": "commit", "offsets": [[topic, p, next_offset], ...]}   a commit the broker acknowledged
  {"ev": "commit_error", "offsets": [...], "error": "..."}      a commit that failed (the offsets were not stored)
  {"ev": "stats", "rebalance_cnt": n, "state": s, "join_state": s}   librdkafka statistics, every 500 ms
  {"ev": "member", "member_id": "..."}                           the member id, when it changes
  {"ev": "error", "error": "..."}                                an error event of the consumer
  {"ev": "closed"}                                               after close() on SIGTERM
SIGTERM: stop consuming, close() (LeaveGroup unless static), print "closed", exit 0.
"""

from __future__ import annotations

import json
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

stop = False


def main():
    settings = json.loads(sys.argv[1])
    name = settings["name"]

    def emit(ev: str, **fields):
        fields.update(ev=ev, name=name, t=time.monotonic())
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()

    def on_term(_signum, _frame):
        global stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)

    def on_stats(text):
        try:
            cgrp = json.loads(text).get("cgrp") or {}
        except ValueError:
            return
        emit("stats", **{k: cgrp.get(k) for k in ("rebalance_cnt", "state", "join_state")})

    def on_error(err):
        emit("error", error=str(err))

    config = {
        "bootstrap.servers": settings["bootstrap"],
        "group.id": settings["group"],
        "client.id": f"interop-{name}",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 1000,
        "statistics.interval.ms": 500,
        "stats_cb": on_stats,
        "error_cb": on_error,
    }
    config.update(settings.get("config") or {})
    consumer = Consumer(config)
    owned: set[tuple[str, int]] = set()

    def listing(tps):
        return sorted([tp.topic, tp.partition] for tp in tps)

    def on_assign(c, tps):
        owned.update((tp.topic, tp.partition) for tp in tps)
        emit("assign", partitions=listing(tps), owned=sorted(map(list, owned)))

    def on_revoke(c, tps):
        owned.difference_update((tp.topic, tp.partition) for tp in tps)
        emit("revoke", partitions=listing(tps), owned=sorted(map(list, owned)))

    def on_lost(c, tps):
        owned.difference_update((tp.topic, tp.partition) for tp in tps)
        emit("lost", partitions=listing(tps), owned=sorted(map(list, owned)))

    consumer.subscribe(settings["topics"], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
    emit("ready")
    commit_mode = settings.get("commit", "batch")
    max_batch = int(settings.get("max_batch", 200))
    member_id = None
    while not stop:
        batch = consumer.consume(num_messages=max_batch, timeout=0.2)
        try:
            current = consumer.memberid()
        except (RuntimeError, KafkaException):
            current = None
        if current and current != member_id:
            member_id = current
            emit("member", member_id=member_id)
        recs = []
        next_offsets: dict[tuple[str, int], int] = {}
        for msg in batch:
            if msg.error():
                emit("error", error=str(msg.error()))
                continue
            key = (msg.topic(), msg.partition())
            recs.append([msg.topic(), msg.partition(), msg.offset()])
            next_offsets[key] = max(next_offsets.get(key, 0), msg.offset() + 1)
        if not recs:
            continue
        emit("records", recs=recs)  # "processing" is recording them
        if commit_mode != "batch":
            continue
        commit = [TopicPartition(t, p, o) for (t, p), o in sorted(next_offsets.items()) if (t, p) in owned]
        if not commit:
            continue
        listed = [[tp.topic, tp.partition, tp.offset] for tp in commit]
        try:
            result = consumer.commit(offsets=commit, asynchronous=False) or []
            failed = [tp for tp in result if tp.error is not None]
            done = [[tp.topic, tp.partition, tp.offset] for tp in result if tp.error is None]
            if done:
                emit("commit", offsets=done)
            if failed:
                emit("commit_error", offsets=[[tp.topic, tp.partition, tp.offset] for tp in failed],
                     error="; ".join(f"{tp.topic}[{tp.partition}]: {tp.error}" for tp in failed))
        except KafkaException as e:
            emit("commit_error", offsets=listed, error=str(e))
    consumer.close()
    emit("closed")


if __name__ == "__main__":
    main()
