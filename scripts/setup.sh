#!/usr/bin/env bash
# Install what Gregor needs on Debian 12 (only what is missing), create the Python venv, build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

APT_PACKAGES=(zookeeper libzookeeper-mt-dev zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev kcat iproute2 chromium openssl)
# Kafka clients, a ZooKeeper client, pytest with pytest-timeout (Tests/Interop/pytest.ini), and the compression
# codecs the Python clients import lazily (without them they refuse to produce or consume that codec):
# kafka-python imports python-snappy, lz4 (lz4.frame) and zstandard, and uses crc32c's C CRC-32C instead of its
# pure-Python one when present; aiokafka imports cramjam for snappy, lz4 and zstd. confluent-kafka and kcat
# bring their own codecs (librdkafka). prometheus-client parses the broker's /metrics in the metrics tests.
PIP_PACKAGES=(confluent-kafka kafka-python aiokafka kazoo pytest pytest-timeout python-snappy lz4 zstandard crc32c cramjam
    prometheus-client)
VENV="$ROOT/.venv"

usage() {
    cat <<EOF
Usage: scripts/setup.sh [--deps-only | --no-build]

Idempotent; safe to run again at any time.
  1. apt-get install -y the missing ones of: ${APT_PACKAGES[*]}
     (ZooKeeper server and CLI, the C client library the Swift code links, zlib, liblz4, libzstd and libsnappy
     for Kafka's four record-batch codecs, kcat for interop checks, chromium for the console's headless tests)
  2. a Python virtualenv in .venv with: ${PIP_PACKAGES[*]}
     (Kafka clients, a ZooKeeper client, pytest and compression codecs for Tests/Interop)
  3. swift build -c release (products gregor-server and gregor)
     ->  .build/release/gregor-server and .build/release/gregor
Options:
  --deps-only   steps 1 and 2 only
  --no-build    same as --deps-only
Uses sudo for apt-get when not run as root.
EOF
}

build=1
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --deps-only | --no-build) build=0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

# ---- 1. system packages ----
command -v dpkg-query >/dev/null || die "dpkg-query not found: this script supports Debian (12) and derivatives only"
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    info "missing system packages: ${missing[*]}"
    apt_install "${missing[@]}"
else
    info "system packages already installed: ${APT_PACKAGES[*]}"
fi

# ---- 2. Python virtualenv ----
if ! command -v python3 >/dev/null; then
    info "python3 not found; installing it"
    apt_install python3 python3-venv
fi
# Debian's own python3 lacks the venv machinery (ensurepip) until python3-venv is installed.
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    info "python3 ($(command -v python3)) cannot create virtualenvs; installing python3-venv"
    apt_install python3-venv
    python3 -c 'import venv, ensurepip' 2>/dev/null \
        || die "$(command -v python3) still cannot create virtualenvs (python3-venv is for Debian's /usr/bin/python3)"
fi
if [[ -e "$VENV" ]] && ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    info ".venv exists but its python does not run (moved or upgraded?); recreating it"
    rm -rf "$VENV"
fi
if [[ ! -e "$VENV" ]]; then
    info "creating Python virtualenv .venv ($(python3 --version 2>&1))"
    python3 -m venv "$VENV" || die "python3 -m venv .venv failed"
fi

mapfile -t missing < <("$VENV/bin/python" - "${PIP_PACKAGES[@]}" <<'PY'
import sys
from importlib import metadata
for name in sys.argv[1:]:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        print(name)
PY
)
if ((${#missing[@]})); then
    info "pip install ${missing[*]} (into .venv)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check "${missing[@]}" || die "pip install ${missing[*]} failed"
else
    info "Python packages already in .venv: ${PIP_PACKAGES[*]}"
fi

if ((!build)); then
    info "dependencies ready (build skipped)"
    exit 0
fi

# ---- 3. release build ----
command -v swift >/dev/null || die "swift not found on PATH; install a Swift 6 toolchain (https://www.swift.org/install/linux/) and add its usr/bin to PATH"
# Only the two products: a plain `swift build -c release` would also compile the test-support target.
info "swift build -c release --product gregor-server / gregor ($(swift --version 2>/dev/null | head -n 1))"
for bin in gregor-server gregor; do
    swift build -c release --product "$bin" || die "swift build -c release --product $bin failed (see the compiler output above)"
    [[ -x "$ROOT/.build/release/$bin" ]] || die "the build succeeded but .build/release/$bin is missing"
done
info "built .build/release/gregor-server and .build/release/gregor"
