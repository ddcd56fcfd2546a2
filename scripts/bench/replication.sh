#!/usr/bin/env bash
# Replicated produce throughput: RF=3 acks=all against RF=1 acks=1 on three brokers (rdkafka_performance, 1 KiB
# records), their ratio against the 1/3 bound, the brokers' CPU per GB, and a read-back check. Prints a Markdown table.
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
    cat <<EOF2
Usage: scripts/bench/replication.sh [--quick] [--count N] [--runs N] [--override KEY=VALUE ...]
                                    [--summary FILE] [--no-build] [--keep]

1. Installs what is missing and builds librdkafka's rdkafka_performance once (scripts/bench/_rdkafka_perf.sh,
   cached in $CACHE_DIR).
2. Builds the release gregor-server (swift build -c release --product gregor-server) unless --no-build or
   GREGOR_SERVER_BIN is given.
3. Starts a private ZooKeeper and 3 brokers on free ports; per run, a fresh 1-partition topic each:
   - RF=1, acks=1:   rdkafka_performance -P -s 1024 -X linger.ms=5 -p 0 -a 1 -c COUNT (baseline)
   - RF=3, acks=all: the same with -a -1, once the ISR is all 3 (min.insync.replicas default)
   and prints MB/s of each (median of --runs), RF=3/RF=1 and that ratio against the 1/3 bound (three brokers
   share the machine and each byte is written three times; target ratio >= 0.3), the 3 brokers' CPU s/GB,
   then reads the last RF=3 topic back from its leader (count = acknowledged = high watermark).
Options:
  --quick           1,000,000 records, 1 run (default 2,000,000 records, 3 runs); the measured topics are deleted
                    after each run but the last RF=3 one
  --count N         records per run
  --runs N          runs per measurement
  --override K=V    broker property for the three brokers (repeatable, for experiments)
  --summary FILE    append one JSON line per headline figure to FILE
  --no-build        use the existing .build/release/gregor-server
  --keep            keep the brokers' and ZooKeeper's folder (logs)
Environment: GREGOR_SERVER_BIN (server binary), GREGOR_BENCH_CACHE, GREGOR_RDKAFKA_PERF, GREGOR_PYTHON.
EOF2
}

build=1 count=2000000 runs=3
py_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --quick) count=1000000 runs=1 ;;
        --count | --runs)
            if (($# < 2)) || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then die "$1 needs a positive number"; fi
            if [[ "$1" == --count ]]; then count="$2"; else runs="$2"; fi
            shift
            ;;
        --override | --summary)
            (($# >= 2)) || die "$1 needs a value"
            py_args+=("$1" "$2")
            shift
            ;;
        --keep) py_args+=("$1") ;;
        --no-build) build=0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

# ---- 1. packages, rdkafka_performance ----
ensure_rdkafka_performance

# ---- 2. gregor-server (release) ----
ensure_server_bin "$build"

# ---- 3. measure ----
PYTHON="$(bench_python)"
exec "$PYTHON" "$ROOT/scripts/bench/replication.py" --perf "$PERF" --server-bin "$GREGOR_SERVER_BIN" \
    --count "$count" --runs "$runs" "${py_args[@]}"
