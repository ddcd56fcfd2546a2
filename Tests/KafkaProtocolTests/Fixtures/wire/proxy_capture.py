#!/usr/bin/env python3
"""Record the requests real Kafka clients send, through a proxy in front of a Gregor broker, as codec fixtures.

The broker advertises the proxy's port (advertised.listeners), so every connection a client opens after
bootstrapping also goes through the proxy. The first request frame of each (client, API, version) is saved
verbatim, size prefix included, as `requests/<client>-<ApiName>-v<version>.bin`. Clients are not needed at test
time: `CapturedRequestsTests` decodes every file with the generated codec and re-encodes it byte for byte.

Re-run from the repository root with ZooKeeper running (scripts/start-zookeeper.sh), a built gregor-server and the
venv from scripts/setup.sh:
    .venv/bin/python Tests/KafkaProtocolTests/Fixtures/wire/proxy_capture.py
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../../.."))
OUT = os.path.join(HERE, "requests")
API_NAMES = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 4: "LeaderAndIsr", 5: "StopReplica",
             6: "UpdateMetadata", 10: "FindCoordinator", 18: "ApiVersions", 19: "CreateTopics", 20: "DeleteTopics",
             32: "DescribeConfigs", 37: "CreatePartitions"}
current_client = ["gregor-controller"]  # before any client runs, only the controller talks to the broker
seen = set()
lock = threading.Lock()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def pipe_requests(client, upstream, name):
    try:
        while True:
            prefix = read_exactly(client, 4)
            (size,) = struct.unpack(">i", prefix)
            payload = read_exactly(client, size)
            api_key, version = struct.unpack(">hh", payload[:4])
            key = (name, api_key, version)
            with lock:
                if api_key in API_NAMES and key not in seen:
                    seen.add(key)
                    path = os.path.join(OUT, f"{name}-{API_NAMES[api_key]}-v{version}.bin")
                    with open(path, "wb") as f:
                        f.write(prefix + payload)
            upstream.sendall(prefix + payload)
    except (EOFError, OSError):
        pass
    finally:
        for s in (client, upstream):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def pipe_raw(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def proxy(listen_port, broker_port):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(64)
    while True:
        client, _ = server.accept()
        upstream = socket.create_connection(("127.0.0.1", broker_port))
        name = current_client[0]
        threading.Thread(target=pipe_requests, args=(client, upstream, name), daemon=True).start()
        threading.Thread(target=pipe_raw, args=(upstream, client), daemon=True).start()


def main():
    os.makedirs(OUT, exist_ok=True)
    broker_port, proxy_port = free_port(), free_port()
    threading.Thread(target=proxy, args=(proxy_port, broker_port), daemon=True).start()
    data = tempfile.mkdtemp(prefix="gregor-capture-")
    chroot = f"capture{os.getpid()}"
    server = os.path.join(ROOT, ".build/debug/gregor-server")
    broker = subprocess.Popen(
        [server, os.path.join(ROOT, "conf/server.properties"),
         "--override", f"listeners=PLAINTEXT://127.0.0.1:{broker_port}",
         "--override", f"advertised.listeners=PLAINTEXT://127.0.0.1:{proxy_port}",
         "--override", f"log.dirs={data}", "--override", f"zookeeper.connect=127.0.0.1:2181/{chroot}"],
        stdout=open(os.path.join(data, "broker.log"), "w"), stderr=subprocess.STDOUT)
    bs = f"127.0.0.1:{proxy_port}"
    try:
        time.sleep(3)
        current_client[0] = "confluent-kafka"
        from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
        from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource
        admin = AdminClient({"bootstrap.servers": bs})
        for f in admin.create_topics([NewTopic("cap", 2, 1, config={"retention.ms": "3600000"})]).values():
            f.result()
        time.sleep(1)
        for f in admin.create_partitions([NewPartitions("cap", 3)]).values():
            f.result()
        for f in admin.describe_configs([ConfigResource("topic", "cap")]).values():
            f.result()
        p = Producer({"bootstrap.servers": bs, "compression.type": "lz4", "acks": "all"})
        for i in range(10):
            p.produce("cap", key=b"k%d" % i, value=b"v%d" % i, headers=[("h", b"1")])
        p.flush(10)
        c = Consumer({"bootstrap.servers": bs, "group.id": "cap", "enable.auto.commit": False})
        c.assign([TopicPartition("cap", q, OFFSET_BEGINNING) for q in range(3)])
        c.consume(10, 3)
        c.offsets_for_times([TopicPartition("cap", 0, 0)], timeout=5)
        c.get_watermark_offsets(TopicPartition("cap", 0), timeout=5)
        c.close()

        current_client[0] = "kcat"
        subprocess.run(["kcat", "-b", bs, "-L"], capture_output=True, timeout=20)
        subprocess.run(["kcat", "-b", bs, "-P", "-t", "cap", "-p", "0", "-z", "gzip"], input=b"a\nb\n", timeout=20)
        subprocess.run(["kcat", "-b", bs, "-C", "-t", "cap", "-p", "0", "-o", "beginning", "-e"], capture_output=True, timeout=20)
        subprocess.run(["kcat", "-b", bs, "-Q", "-t", "cap:0:0"], capture_output=True, timeout=20)

        current_client[0] = "kafka-python"
        from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition as KTP
        from kafka.admin import NewTopic as KNewTopic, NewPartitions as KNewPartitions, ConfigResource as KCR, ConfigResourceType
        ka = KafkaAdminClient(bootstrap_servers=bs)
        ka.create_topics([KNewTopic("cap2", 1, 1)])
        ka.create_partitions({"cap2": KNewPartitions(2)})
        ka.describe_configs([KCR(ConfigResourceType.TOPIC, "cap2")])
        kp = KafkaProducer(bootstrap_servers=bs, compression_type="gzip", enable_idempotence=False)
        kp.send("cap2", key=b"k", value=b"v", headers=[("h", b"1")]).get(10)
        kp.close()
        kc = KafkaConsumer(bootstrap_servers=bs, group_id=None, consumer_timeout_ms=2000)
        kc.assign([KTP("cap2", 0)])
        kc.seek_to_beginning()
        list(kc)
        kc.offsets_for_times({KTP("cap2", 0): 0})
        kc.close()
        ka.delete_topics(["cap2"])

        current_client[0] = "aiokafka"
        import asyncio
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
        from aiokafka import TopicPartition as ATP

        async def aio():
            ap = AIOKafkaProducer(bootstrap_servers=bs, compression_type="gzip")
            await ap.start()
            await ap.send_and_wait("cap", key=b"k", value=b"v", partition=1)
            await ap.stop()
            ac = AIOKafkaConsumer(bootstrap_servers=bs, group_id=None)
            await ac.start()
            ac.assign([ATP("cap", 1)])
            await ac.seek_to_beginning()
            await ac.getmany(timeout_ms=1000)
            await ac.offsets_for_times({ATP("cap", 1): 0})
            await ac.stop()
        asyncio.run(aio())

        current_client[0] = "confluent-kafka"
        for f in admin.delete_topics(["cap"]).values():
            f.result()
        time.sleep(1)
    finally:
        broker.terminate()
        broker.wait(20)
    print("\n".join(sorted(os.listdir(OUT))))


if __name__ == "__main__":
    sys.exit(main())
