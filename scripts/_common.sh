# shellcheck shell=bash
# shellcheck disable=SC2034  # variables used by the scripts that source this file
# shellcheck disable=SC2016  # the single-quoted `bash -c` programs expand their own $1.. on purpose
# Helpers shared by the operator scripts in this folder. Sourced, never run.
# Every script sets ROOT (the repo root), cds there, and then sources this file.

: "${ROOT:?scripts/_common.sh: ROOT must be set by the sourcing script}"

# The single runtime folder (in .gitignore). Everything a running cluster writes lives below it.
VAR_DIR="$ROOT/var"
ZK_STANDALONE_DIR="$VAR_DIR/zookeeper"
ZK_ENSEMBLE_DIR="$VAR_DIR/zookeeper-ensemble"
ZK_CLI=/usr/share/zookeeper/bin/zkCli.sh

# Release binaries built by `swift build -c release`; GREGOR_SERVER_BIN / GREGOR_BIN override them
# (e.g. a debug build, or a stub for testing the scripts).
GREGOR_SERVER_BIN="${GREGOR_SERVER_BIN:-$ROOT/.build/release/gregor-server}"
GREGOR_BIN="${GREGOR_BIN:-$ROOT/.build/release/gregor}"

SCRIPT_NAME="$(basename "$0")"

# A Swift toolchain unpacked in /opt/swift but not on PATH (as on the project machines) is still found.
if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    PATH="$PATH:/opt/swift/usr/bin"
fi

info() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: WARNING: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { printf '%s: ERROR: %s\n' "$SCRIPT_NAME" "$*" >&2; exit 1; }

# Path relative to the repo root, for messages.
rel() { printf '%s' "${1#"$ROOT"/}"; }

# prop_get FILE KEY: value of KEY in a Java-style properties file (last assignment wins, `key=value`
# or `key = value`, comments and blank lines ignored). Prints nothing if the key is absent.
prop_get() {
    awk -v key="$2" '
        /^[[:space:]]*[#!]/ { next }
        {
            line = $0
            eq = index(line, "=")
            if (eq == 0) next
            k = substr(line, 1, eq - 1); v = substr(line, eq + 1)
            gsub(/^[[:space:]]+|[[:space:]]+$/, "", k)
            gsub(/^[[:space:]]+|[[:space:]]+$/, "", v)
            if (k == key) { value = v; found = 1 }
        }
        END { if (found) print value }
    ' "$1"
}

# pid_running PIDFILE PATTERN: prints the pid and succeeds if PIDFILE names a live process whose
# command line contains PATTERN (guards against a recycled pid). Removes a stale pid file.
pid_running() {
    local pidfile="$1" pattern="$2" pid
    [[ -f "$pidfile" ]] || return 1
    pid="$(tr -dc '0-9' <"$pidfile")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"; then
        printf '%s\n' "$pid"
        return 0
    fi
    rm -f "$pidfile"
    return 1
}

# stop_pid PID NAME TIMEOUT_SECONDS: SIGTERM, wait for the process to exit, SIGKILL after the timeout.
# Returns 0 if it exited after SIGTERM, 2 if it had to be killed.
stop_pid() {
    local pid="$1" name="$2" timeout="$3" deadline
    kill -TERM "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            warn "$name (pid $pid) did not exit ${timeout}s after SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
            return 2
        fi
        sleep 0.1
    done
    return 0
}

# Keep one previous log as <log>.1 so that a new start never matches lines of an old run.
rotate_log() {
    if [[ -s "$1" ]]; then mv -f "$1" "$1.1"; fi
    : >"$1"
}

# show_log_tail FILE [LINES]: the end of a log on stderr, for failure messages.
show_log_tail() {
    local file="$1" lines="${2:-40}"
    {
        printf -- '----- last %s lines of %s -----\n' "$lines" "$(rel "$file")"
        tail -n "$lines" "$file" 2>/dev/null || true
        printf -- '----- end of %s -----\n' "$(rel "$file")"
    } >&2
}

# tcp_open HOST PORT: succeeds if something accepts TCP connections there.
tcp_open() {
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# zk_4lw HOST PORT CMD: send a ZooKeeper four-letter word over bash /dev/tcp (no nc needed), print the answer.
zk_4lw() {
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1; printf "%s" "$3" >&3; cat <&3' _ "$1" "$2" "$3" 2>/dev/null
}

# zk_serving HOST PORT: succeeds once the server answers `srvr` with a Mode (standalone, leader or
# follower), i.e. it serves requests. (`ruok` says imok even when an ensemble member has no quorum.)
zk_serving() {
    zk_4lw "$1" "$2" srvr | grep -qE '^Mode: (standalone|leader|follower)'
}

# For each host:port in a ZooKeeper connect string (chroot stripped), print "host port".
zk_hostports() {
    local cs="${1%%/*}" hp
    local IFS=,
    for hp in $cs; do
        if [[ "$hp" == *:* ]]; then
            printf '%s %s\n' "${hp%:*}" "${hp##*:}"
        else
            printf '%s 2181\n' "$hp"
        fi
    done
}

# ---- Debian packages (setup.sh, bench scripts) ----

# Runs "$@" as root: directly when root, else through sudo.
as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root to run '$*' (not root, and sudo is not installed)"
    fi
}

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt-get update, once per script run (set apt_updated=0 to force another, e.g. after adding a source).
apt_updated=0
apt_update() {
    if ((!apt_updated)); then
        info "apt-get update"
        as_root apt-get update -qq || die "apt-get update failed"
        apt_updated=1
    fi
}

apt_install() {
    apt_update
    info "apt-get install -y $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# ---- benchmarks that run one broker: scripts/bench/commits.sh, scripts/bench/metrics-scrape.sh ----

# bench_one_broker NAME BUILD KEEP USER_SERVER_BIN [--override k=v ...]: builds the release gregor-server unless
# BUILD is 0 or the caller named a binary, starts ZooKeeper and one broker on free loopback ports in a new temporary
# folder (Tests/Interop/gregor_harness.py up), sets PYTHON (the venv's, with the clients) and BASE, sources the
# cluster's BOOTSTRAP, ZK_CONNECT and pids, and stops them at exit, removing the folder unless KEEP is 1.
bench_one_broker() {
    local name="$1" build="$2" keep="$3" user_bin="$4"
    shift 4
    if [[ -z "$user_bin" ]] && ((build)); then
        info "building: swift build -c release --product gregor-server"
        swift build -c release --product gregor-server >&2 || die "swift build -c release --product gregor-server failed"
    fi
    [[ -x "$GREGOR_SERVER_BIN" ]] || die "gregor-server not found: $GREGOR_SERVER_BIN"
    PYTHON="${GREGOR_PYTHON:-$ROOT/.venv/bin/python}"
    [[ -x "$PYTHON" ]] || PYTHON=python3
    BASE="$(mktemp -d "${TMPDIR:-/tmp}/gregor-bench-$name.XXXXXX")"
    BENCH_KEEP="$keep"
    trap bench_one_broker_down EXIT
    info "starting ZooKeeper and gregor-server ($GREGOR_SERVER_BIN) in $BASE"
    "$PYTHON" "$ROOT/Tests/Interop/gregor_harness.py" up --base "$BASE" --server-bin "$GREGOR_SERVER_BIN" "$@" \
        >"$BASE/up.out" || die "could not start the cluster"
    # shellcheck source=/dev/null
    source "$BASE/cluster.env"
    info "broker $BOOTSTRAP (pid $BROKER_PID), ZooKeeper $ZK_CONNECT (pid $ZK_PID)"
}

bench_one_broker_down() {
    "$PYTHON" "$ROOT/Tests/Interop/gregor_harness.py" down --base "$BASE" || warn "stopping the benchmark cluster failed"
    if ((BENCH_KEEP)); then
        info "logs kept in $BASE"
    else
        rm -rf "$BASE"
    fi
}
