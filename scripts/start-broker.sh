#!/usr/bin/env bash
# Start one Gregor broker (gregor-server) in the background and wait until it is registered and listening.
set -euo pipefail
ORIG_PWD="$PWD"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<EOF
Usage: scripts/start-broker.sh <server.properties> [--override key=value ...]

Starts gregor-server <server.properties> [--override key=value ...] in the background, with the repo root
as working directory (relative log.dirs resolve there), and waits until its log says
"Gregor broker <id> started" (registered in ZooKeeper and listening).
Runtime files: var/broker-<id>/broker.log (previous run: broker.log.1) and var/broker-<id>/broker.pid.
A broker that is already running is left alone. Stop it with scripts/stop-broker.sh <id>.

Examples:
  scripts/start-broker.sh conf/server.properties
  scripts/start-broker.sh conf/cluster/server-1.properties --override log.retention.hours=1

Environment:
  GREGOR_SERVER_BIN      the server binary (default .build/release/gregor-server; its file name must
                         contain "gregor-server")
  BROKER_START_TIMEOUT   seconds to wait for the started line (default 60)
EOF
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") usage >&2; exit 2 ;;
esac

props="$1"
shift
[[ "$props" == /* ]] || props="$ORIG_PWD/$props"
[[ -f "$props" ]] || die "properties file not found: $1"
props="$(cd "$(dirname "$props")" && pwd)/$(basename "$props")"
# Show and pass paths inside the repo relative to it (the broker runs in the repo root).
props_arg="$(rel "$props")"

# The rest must be --override key=value pairs; they are passed to gregor-server as given.
overrides=()
declare -A override_values=()
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --override)
            (($# >= 2)) || die "--override needs key=value"
            [[ "$2" == ?*=* ]] || die "--override needs key=value, got: $2"
            overrides+=("$1" "$2")
            override_values["${2%%=*}"]="${2#*=}"
            shift 2
            ;;
        --override=?*=*)
            overrides+=("--override" "${1#--override=}")
            kv="${1#--override=}"
            override_values["${kv%%=*}"]="${kv#*=}"
            shift
            ;;
        *) usage >&2; die "unexpected argument: $1" ;;
    esac
done

# setting KEY: the override if given, else the value in the properties file.
setting() {
    if [[ -n "${override_values[$1]+set}" ]]; then
        printf '%s' "${override_values[$1]}"
    else
        prop_get "$props" "$1"
    fi
}

broker_id="$(setting broker.id)"
[[ "$broker_id" =~ ^[0-9]+$ ]] || die "broker.id must be a non-negative integer in $props_arg (or --override broker.id=N), got '${broker_id}'"
zk_connect="$(setting zookeeper.connect)"
[[ -n "$zk_connect" ]] || die "no zookeeper.connect in $props_arg"

[[ "$(basename "$GREGOR_SERVER_BIN")" == *gregor-server* ]] \
    || die "GREGOR_SERVER_BIN's file name must contain 'gregor-server' (the scripts find the process by it): $GREGOR_SERVER_BIN"
[[ -x "$GREGOR_SERVER_BIN" ]] \
    || die "$(rel "$GREGOR_SERVER_BIN") not found; build it with scripts/setup.sh (or swift build -c release)"

run_dir="$VAR_DIR/broker-$broker_id"
pidfile="$run_dir/broker.pid"
log="$run_dir/broker.log"
if pid="$(pid_running "$pidfile" gregor-server)"; then
    info "broker $broker_id is already running (pid $pid, log $(rel "$log"))"
    exit 0
fi

# Fail fast with a useful message instead of letting the broker wait out zookeeper.connection.timeout.ms.
zk_up=0
while read -r host port; do
    if tcp_open "$host" "$port"; then zk_up=1; break; fi
done < <(zk_hostports "$zk_connect")
((zk_up)) || die "ZooKeeper ($zk_connect) is not reachable; start it with scripts/start-zookeeper.sh"

mkdir -p "$run_dir"
rotate_log "$log"
info "starting broker $broker_id: $(rel "$GREGOR_SERVER_BIN") $props_arg ${overrides[*]} (log $(rel "$log"))"
# setsid: own session, so the broker outlives this script and ignores the terminal's Ctrl-C.
# The subshell execs setsid, which execs the server: $! is the server's pid.
(cd "$ROOT" && exec setsid "$GREGOR_SERVER_BIN" "$props_arg" "${overrides[@]}" >>"$log" 2>&1 </dev/null) &
pid=$!
printf '%s\n' "$pid" >"$pidfile"

timeout="${BROKER_START_TIMEOUT:-60}"
deadline=$((SECONDS + timeout))
started_line="Gregor broker $broker_id started"
until grep -qF -- "$started_line" "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
        status=0
        wait "$pid" 2>/dev/null || status=$?
        rm -f "$pidfile"
        show_log_tail "$log"
        die "broker $broker_id exited during startup (exit status $status); see $(rel "$log")"
    fi
    if ((SECONDS >= deadline)); then
        show_log_tail "$log"
        die "broker $broker_id (pid $pid) did not log '$started_line' within ${timeout}s; it is still running (stop it with scripts/stop-broker.sh $broker_id)"
    fi
    sleep 0.1
done
info "broker $broker_id started (pid $pid, $(setting listeners), log $(rel "$log"))"
