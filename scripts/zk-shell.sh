#!/usr/bin/env bash
# Run one ZooKeeper CLI (zkCli) command against the cluster's ZooKeeper and print just its result.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<EOF
Usage: scripts/zk-shell.sh [zkCli command [args...]]

Runs $ZK_CLI -server <connect string> <command...> and prints only the result
(zkCli's "Connecting to", "WATCHER::" and "WatchedEvent" lines and its SLF4J warnings are dropped).
The exit code is zkCli's: 0 on success, 1 on an error such as "Node does not exist".
With no command, starts an interactive zkCli session.

Connect string: \$ZK_CONNECT if set, else zookeeper.connect from conf/server.properties
(a chroot suffix such as 127.0.0.1:2181/gregor is honoured).

Examples:
  scripts/zk-shell.sh ls /brokers/ids
  scripts/zk-shell.sh get /controller
  ZK_CONNECT=127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183 scripts/zk-shell.sh ls /
EOF
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
esac

connect="${ZK_CONNECT:-}"
if [[ -z "$connect" ]]; then
    [[ -f "$ROOT/conf/server.properties" ]] || die "conf/server.properties is missing and ZK_CONNECT is not set"
    connect="$(prop_get "$ROOT/conf/server.properties" zookeeper.connect)"
    [[ -n "$connect" ]] || die "no zookeeper.connect in conf/server.properties and ZK_CONNECT is not set"
fi
[[ -x "$ZK_CLI" ]] || die "$ZK_CLI not found; run scripts/setup.sh --deps-only (installs the zookeeper package)"

if (($# == 0)); then
    # Interactive. Debian ships no jline, so there is no line editing, but commands typed or piped work.
    exec "$ZK_CLI" -server "$connect" 2> >(grep --line-buffered -v '^SLF4J:' >&2)
fi

errfile="$(mktemp)"
trap 'rm -f "$errfile"' EXIT

set +e
"$ZK_CLI" -server "$connect" "$@" 2>"$errfile" | awk '
    # The preamble before the answer: "Connecting to ...", blank lines, "WATCHER::", "WatchedEvent ...".
    /^Connecting to /   { next }
    /^WATCHER::$/       { next }
    /^WatchedEvent /    { next }
    !started && /^$/    { next }
    { started = 1; print }
'
rc=${PIPESTATUS[0]}
set -e

grep -v '^SLF4J:' "$errfile" >&2 || true
exit "$rc"
