#!/usr/bin/env python3
"""Capture the first framed request real Kafka clients send, as fixtures for the wire-codec tests.

Each client is pointed at a plain TCP listener on 127.0.0.1 (a free port). The first frame it sends (int32 size +
payload, an ApiVersions request) is saved verbatim, size prefix included, as `<client>.bin` next to this script;
then the connection is closed and the client process is killed (it would retry forever otherwise).

Re-run (clients are not needed at test time, only to refresh the fixtures):
    python3 -m venv /tmp/wirecap-venv
    /tmp/wirecap-venv/bin/pip install confluent-kafka kafka-python
    apt-get install -y kcat          # Debian's kcat 1.7.1 (librdkafka 2.0.2)
    /tmp/wirecap-venv/bin/python Tests/KafkaProtocolTests/Fixtures/wire/capture.py
The client ids are distinctive so the tests can assert them: gregor-capture-<client>.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CONFLUENT = """
import sys
from confluent_kafka.admin import AdminClient
AdminClient({'bootstrap.servers': sys.argv[1], 'client.id': 'gregor-capture-confluent'}).list_topics(timeout=5)
"""

KAFKA_PYTHON = """
import sys
from kafka import KafkaConsumer
KafkaConsumer(bootstrap_servers=sys.argv[1], client_id='gregor-capture-kafka-python',
              request_timeout_ms=5000)
"""


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError(f"connection closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def capture(name, argv_for):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(20)
    address = "127.0.0.1:%d" % listener.getsockname()[1]
    client = subprocess.Popen(argv_for(address), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn, _ = listener.accept()
        conn.settimeout(20)
        size_prefix = read_exactly(conn, 4)
        (size,) = struct.unpack(">i", size_prefix)
        if not 0 < size < 1 << 20:
            raise ValueError(f"{name}: implausible frame size {size}")
        frame = size_prefix + read_exactly(conn, size)
        conn.close()
    finally:
        client.kill()
        client.wait()
        listener.close()
    path = os.path.join(HERE, name + ".bin")
    with open(path, "wb") as f:
        f.write(frame)
    api_key, api_version, correlation_id = struct.unpack(">hhi", frame[4:12])
    print(f"{name}: {len(frame)} bytes, api_key={api_key} api_version={api_version} correlation_id={correlation_id}")


def main():
    python = sys.executable
    capture("confluent-kafka", lambda addr: [python, "-c", CONFLUENT, addr])
    capture("kafka-python", lambda addr: [python, "-c", KAFKA_PYTHON, addr])
    if shutil.which("kcat"):
        capture("kcat", lambda addr: ["kcat", "-b", addr, "-L", "-m", "5", "-X", "client.id=gregor-capture-kcat"])
    else:
        print("kcat not installed; skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
