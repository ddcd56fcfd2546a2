#!/usr/bin/env bash
# End-to-end throughput with librdkafka's rdkafka_performance: Gregor against librdkafka's mock broker (the
# client's ceiling) and loopback TCP (iperf3). Prints a Markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"

CACHE_DIR="${GREGOR_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gregor-bench}"

usage() {
    cat <<EOF
Usage: scripts/bench/produce-consume.sh [--zero-copy on|off] [--runs N] [--skip-gregor] [--no-build]

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
   Targets: produce >= 50% of the mock ceiling (msgs/s), consume >= 40% of loopback TCP (MB/s).
Options:
  --zero-copy on|off  start the broker with --override zero.copy.fetch.enable=true|false (default: its config)
  --runs N            runs per measurement (default 3)
  --skip-gregor       only iperf3 and the mock broker (needs no Gregor build)
  --no-build          use the existing .build/release/gregor-server
Environment: GREGOR_SERVER_BIN (server binary), GREGOR_BENCH_SMALL_COUNT (2000000), GREGOR_BENCH_LARGE_COUNT
(1000000), GREGOR_BENCH_CACHE.
EOF
}

zero_copy=default runs=3 skip_gregor=0 build=1
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
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done

# ---- 1. packages and a deb-src entry ----
command -v dpkg-query >/dev/null || die "this script supports Debian (12) and derivatives only"
missing=()
for pkg in dpkg-dev gcc libc6-dev librdkafka-dev iperf3; do
    is_installed "$pkg" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    apt_install "${missing[@]}"
fi

# Is there any deb-src entry? deb822 files (Types: deb deb-src) or one-line files (deb-src URI suite comps).
has_deb_src() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] && grep -qE '^[[:space:]]*Types:.*\bdeb-src\b' "$f" && return 0
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] && grep -qE '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
    done
    return 1
}

DEB_SRC_FILE_BASE=/etc/apt/sources.list.d/gregor-deb-src
if ! has_deb_src; then
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        # Debian 12's deb822 file: copy each stanza that has Types: deb, as Types: deb-src.
        info "no deb-src entry in apt's sources; adding $DEB_SRC_FILE_BASE.sources (from debian.sources)"
        awk '
            BEGIN { RS = ""; ORS = "" }
            {
                n = split($0, lines, "\n"); types = ""
                for (i = 1; i <= n; i++) if (lines[i] ~ /^Types:/) types = lines[i]
                if (types !~ /(^|[ \t])deb([ \t]|$)/) next
                print "# Added by gregor scripts/bench/produce-consume.sh for `apt-get source librdkafka`.\n"
                for (i = 1; i <= n; i++) {
                    if (lines[i] ~ /^#/) continue
                    print ((lines[i] ~ /^Types:/) ? "Types: deb-src" : lines[i]) "\n"
                }
                print "\n"
            }' /etc/apt/sources.list.d/debian.sources | as_root tee "$DEB_SRC_FILE_BASE.sources" >/dev/null
    elif [[ -f /etc/apt/sources.list ]] && grep -qE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
        info "no deb-src entry in apt's sources; adding $DEB_SRC_FILE_BASE.list (from sources.list)"
        sed -nE 's/^[[:space:]]*deb([[:space:]])/deb-src\1/p' /etc/apt/sources.list \
            | as_root tee "$DEB_SRC_FILE_BASE.list" >/dev/null
    else
        die "no deb-src entry and no /etc/apt/sources.list.d/debian.sources or sources.list to derive one from"
    fi
    apt_updated=0
    apt_update
fi

# ---- 2. rdkafka_performance from Debian's librdkafka source, against the installed librdkafka-dev ----
version="$(dpkg-query -W -f='${Version}' librdkafka-dev)"
PERF="$CACHE_DIR/rdkafka_performance-$version"
if [[ ! -x "$PERF" ]]; then
    mkdir -p "$CACHE_DIR/src"
    src_dir="$(find "$CACHE_DIR/src" -maxdepth 1 -type d -name 'librdkafka-*' -print -quit)"
    if [[ -z "$src_dir" ]] || [[ ! -f "$CACHE_DIR/src/.version" ]] || [[ "$(cat "$CACHE_DIR/src/.version")" != "$version" ]]; then
        rm -rf "${CACHE_DIR:?}/src" && mkdir -p "$CACHE_DIR/src"
        info "apt-get source librdkafka=$version (into $CACHE_DIR/src)"
        if ! (cd "$CACHE_DIR/src" && apt-get source -qq "librdkafka=$version" >/dev/null 2>"$CACHE_DIR/src/apt-source.log"); then
            # The index may be stale (apt-get update not run since the deb-src entry exists).
            apt_update
            (cd "$CACHE_DIR/src" && apt-get source -qq "librdkafka=$version" >/dev/null 2>"$CACHE_DIR/src/apt-source.log") \
                || { cat "$CACHE_DIR/src/apt-source.log" >&2; die "apt-get source librdkafka=$version failed"; }
        fi
        printf '%s\n' "$version" >"$CACHE_DIR/src/.version"
        src_dir="$(find "$CACHE_DIR/src" -maxdepth 1 -type d -name 'librdkafka-*' -print -quit)"
    fi
    [[ -f "$src_dir/examples/rdkafka_performance.c" ]] || die "no examples/rdkafka_performance.c in $src_dir"
    # The example includes the source tree's internal headers (rd.h, rdtime.h), which need config.h from configure.
    if [[ ! -f "$src_dir/config.h" ]]; then
        info "./configure (librdkafka $version, for config.h; nothing else is built)"
        (cd "$src_dir" && ./configure >"$CACHE_DIR/src/configure.log" 2>&1) \
            || { tail -n 30 "$CACHE_DIR/src/configure.log" >&2; die "librdkafka ./configure failed"; }
    fi
    info "compiling rdkafka_performance against the installed librdkafka ($version)"
    gcc -O2 -I "$src_dir/src" -I "$src_dir" "$src_dir/examples/rdkafka_performance.c" -o "$PERF.tmp" \
        -lrdkafka -lm -lpthread || die "compiling rdkafka_performance failed"
    mv -f "$PERF.tmp" "$PERF"
fi
info "rdkafka_performance: $PERF"

# ---- 3. gregor-server (release) ----
py_args=(--perf "$PERF" --runs "$runs" --zero-copy "$zero_copy"
    --small-count "${GREGOR_BENCH_SMALL_COUNT:-2000000}" --large-count "${GREGOR_BENCH_LARGE_COUNT:-1000000}")
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
