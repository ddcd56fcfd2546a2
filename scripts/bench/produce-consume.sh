#!/usr/bin/env bash
# End-to-end throughput with librdkafka's rdkafka_performance: Gregor against librdkafka's mock broker (the
# client's ceiling) and loopback TCP (iperf3). Prints a Markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CALLER_DIR="$PWD"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"
# shellcheck source=scripts/bench/_rdkafka_perf.sh
source "$ROOT/scripts/bench/_rdkafka_perf.sh"


usage() {
    cat <<EOF
Usage: scripts/bench/produce-consume.sh [--zero-copy on|off] [--runs N] [--skip-gregor] [--no-build] [--quick]
                                       [--summary FILE]

1. Installs what is missing (apt-get, sudo when not root): dpkg-dev, gcc, librdkafka-dev, iperf3, and a
   deb-src entry for Debian's archive if apt has none (/etc/apt/sources.list.d/gregor-deb-src.sources, or .list
   for a one-line-style sources.list).
2. Builds librdkafka's examples/rdkafka_performance.c from Debian's librdkafka source package (apt-get source, the
   version of the installed librdkafka-dev) against the installed library, once: the binary is cached in
   $CACHE_DIR (GREGOR_BENCH_CACHE overrides).
3. Builds the release gregor-server (swift build -c release --product gregor-server) unless --no-build, --skip-gregor
   or GREGOR_SERVER_BIN is given.
4. Measures, each --runs times (default 3), medians in the table:
   - iperf3 on 127.0.0.1 (TCP bandwidth of the machine)
   - produce 2,000,000 x 100 B and 1,000,000 x 1 KiB (acks=1, linger.ms=5, partition 0) to librdkafka's mock
     broker (-X test.mock.num.brokers=1), in the producer's process and hosted by a separate process
   - the same against a private ZooKeeper + gregor-server on free ports, then consume them from the beginning;
     the broker's CPU seconds per GB from /proc/<pid>/stat
   - the same consume against scripts/bench/fetch_ceiling.c (compiled once into $CACHE_DIR): a server that
     answers every Fetch from memory with one batch as large as the client's per-partition limit allows, the most
     any broker can give this client (the mock broker keeps too few records to consume from)
   Targets (issue 18): produce 100 B >= 0.9x and 1 KiB >= 0.6x the mock ceiling (msgs/s), consume 1 KiB >= 0.8x
   loopback TCP (MB/s) and >= 0.8x the fetch ceiling; the 1 KiB produce and consume over SASL_SSL >= 0.7x
   PLAINTEXT.
Options:
  --zero-copy on|off  start the broker with --override zero.copy.fetch.enable=true|false (default: its config)
  --runs N            runs per measurement (default 3)
  --skip-gregor       only iperf3 and the mock broker (needs no Gregor build)
  --no-build          use the existing .build/release/gregor-server
  --quick             a short setting (under a minute): 1 run, 1,000,000 x 100 B and 500,000 x 1 KiB, iperf3 2 s
                      (--runs and the count variables still win)
  --summary FILE      append the headline figures to FILE as JSON lines (see scripts/bench/bench_summary.py)
Environment: GREGOR_SERVER_BIN (server binary), GREGOR_BENCH_SMALL_COUNT (2000000), GREGOR_BENCH_LARGE_COUNT
(1000000), GREGOR_BENCH_CACHE.
EOF
}

zero_copy=default runs="" skip_gregor=0 build=1 quick=0 summary=""
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --zero-copy)
            (($# >= 2)) || die "--zero-copy needs on or off"
            case "$2" in on | off) zero_copy="$2" ;; *) die "--zero-copy needs on or off, got: $2" ;; esac
            shift
            ;;
        --zero-copy=on | --zero-copy=off) zero_copy="${1#--zero-copy=}" ;;
        --runs)
            if (($# < 2)) || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then die "--runs needs a positive number"; fi
            runs="$2"
            shift
            ;;
        --skip-gregor) skip_gregor=1 ;;
        --no-build) build=0 ;;
        --quick) quick=1 ;;
        --summary)
            (($# >= 2)) || die "--summary needs a file"
            summary="$2"
            [[ "$summary" == /* ]] || summary="$CALLER_DIR/$summary"
            shift
            ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

# ---- 1.-2. packages, rdkafka_performance ----
ensure_rdkafka_performance iperf3

# ---- 2b. fetch_ceiling (the consume ceiling: an in-memory server answering Fetch) ----
ensure_fetch_ceiling

# ---- 3. gregor-server (release) ----
if ((quick)); then
    small_default=1000000 large_default=500000 runs_default=1 iperf_seconds=2
else
    small_default=2000000 large_default=1000000 runs_default=3 iperf_seconds=5
fi
py_args=(--perf "$PERF" --fetch-ceiling "$FETCH_CEILING" --runs "${runs:-$runs_default}" --zero-copy "$zero_copy" --iperf-seconds "$iperf_seconds"
    --small-count "${GREGOR_BENCH_SMALL_COUNT:-$small_default}" --large-count "${GREGOR_BENCH_LARGE_COUNT:-$large_default}")
[[ -z "$summary" ]] || py_args+=(--summary "$summary")
if ((skip_gregor)); then
    py_args+=(--skip-gregor)
else
    if [[ -z "$USER_SERVER_BIN" ]] && ((build)); then
        info "building: swift build -c release --product gregor-server"
        swift build -c release --product gregor-server >&2 || die "swift build -c release --product gregor-server failed"
    fi
    [[ -x "$GREGOR_SERVER_BIN" ]] || die "gregor-server not found: $GREGOR_SERVER_BIN"
    py_args+=(--server-bin "$GREGOR_SERVER_BIN")
fi

# ---- 4. measure ----
PYTHON="$ROOT/.venv/bin/python"
[[ -x "$PYTHON" ]] || PYTHON=python3
exec "$PYTHON" "$ROOT/scripts/bench/produce_consume.py" "${py_args[@]}"
