#!/usr/bin/env bash
# End-to-end latency (producer send -> consumer receive) at a fixed rate, acks=all, RF=3 on three brokers, beside
# librdkafka's mock cluster (the client-side floor). Prints a Markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"
# shellcheck source=scripts/bench/_bench.sh
source "$ROOT/scripts/bench/_bench.sh"
# shellcheck source=scripts/bench/_rdkafka_perf.sh
source "$ROOT/scripts/bench/_rdkafka_perf.sh"

usage() {
    cat <<EOF
Usage: scripts/bench/latency.sh [--quick] [--rate-mbps N] [--seconds S] [--linger-ms 0|1] [--skip-mock]
                                [--override KEY=VALUE ...] [--summary FILE] [--no-build] [--keep]

1. Installs what is missing (apt-get, sudo when not root): gcc, libc6-dev, librdkafka-dev; compiles
   scripts/bench/e2e_latency.c against the installed librdkafka, once per source version, cached in $CACHE_DIR.
2. Builds the release gregor-server (swift build -c release --product gregor-server) unless --no-build or
   GREGOR_SERVER_BIN is given.
3. e2e_latency (producer thread + consumer in one process, send time CLOCK_MONOTONIC in each value) sends 1 KiB
   records to partition 0 at a fixed rate, acks=all, linger.ms=1, and prints p50/p99/p99.9/max of
   receive - send and of send -> acknowledgement, and the achieved rate:
   - against librdkafka's mock cluster (3 brokers, in-process, no replication: the client-side floor; its
     consumer uses fetch.wait.max.ms=1 because the mock never wakes a waiting fetch)
   - against a private ZooKeeper + 3 gregor-servers on free ports, topic with replication factor 3
     (min.insync.replicas default), measured once the ISR is all 3; consumer fetch.min.bytes=1 and
     librdkafka's default fetch.wait.max.ms. Also the brokers' CPU seconds per GB.
   Target: p99 <= 5 ms.
Options:
  --quick            8 s measured (default 20 s), after a 2 s warm-up
  --rate-mbps N      payload MiB/s (default 50 = 51,200 msgs/s of 1 KiB)
  --seconds S        measured seconds
  --linger-ms N      producer linger.ms (default 1)
  --skip-mock        only Gregor
  --override K=V     broker property for the three brokers (repeatable; experiments, e.g.
                     replica.fetch.wait.max.ms=100)
  --summary FILE     append one JSON line per headline figure to FILE
  --no-build         use the existing .build/release/gregor-server
  --keep             keep the brokers' and ZooKeeper's folder (logs)
Environment: GREGOR_SERVER_BIN (server binary), GREGOR_BENCH_CACHE, GREGOR_PYTHON.
EOF
}

build=1 seconds=20
py_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --quick) seconds=8 ;;
        --rate-mbps | --seconds)
            if (($# < 2)) || ! [[ "$2" =~ ^[0-9]+([.][0-9]+)?$ ]]; then die "$1 needs a positive number"; fi
            if [[ "$1" == --seconds ]]; then seconds="$2"; else py_args+=("$1" "$2"); fi
            shift
            ;;
        --linger-ms)
            if (($# < 2)) || ! [[ "$2" =~ ^[0-9]+$ ]]; then die "$1 needs a number of milliseconds"; fi
            py_args+=("$1" "$2")
            shift
            ;;
        --override | --summary)
            (($# >= 2)) || die "$1 needs a value"
            py_args+=("$1" "$2")
            shift
            ;;
        --skip-mock | --keep) py_args+=("$1") ;;
        --no-build) build=0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

# ---- 1. packages, e2e_latency ----
missing=()
for pkg in gcc libc6-dev librdkafka-dev; do
    is_installed "$pkg" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    apt_install "${missing[@]}"
fi
src="$ROOT/scripts/bench/e2e_latency.c"
version="$(dpkg-query -W -f='${Version}' librdkafka-dev)"
E2E="$CACHE_DIR/e2e_latency-$version-$(sha256sum "$src" | cut -c1-12)"
if [[ ! -x "$E2E" ]]; then
    mkdir -p "$CACHE_DIR"
    info "compiling scripts/bench/e2e_latency.c against the installed librdkafka ($version)"
    gcc -O2 -Wall "$src" -o "$E2E.tmp" -lrdkafka -lpthread || die "compiling e2e_latency.c failed"
    mv -f "$E2E.tmp" "$E2E"
fi
info "e2e_latency: $E2E"

# ---- 2. gregor-server (release) ----
ensure_server_bin "$build"

# ---- 3. measure ----
PYTHON="$(bench_python)"
exec "$PYTHON" "$ROOT/scripts/bench/latency.py" --e2e "$E2E" --server-bin "$GREGOR_SERVER_BIN" \
    --duration "$seconds" "${py_args[@]}"
