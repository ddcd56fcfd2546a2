#!/usr/bin/env bash
# Every benchmark in scripts/bench/ with a short setting, one after the other, and ONE Markdown table of their
# headline figures against the limits each measured in the same run: where the broker stands, at a glance.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CALLER_DIR="$PWD"
cd "$ROOT"
USER_SERVER_BIN="${GREGOR_SERVER_BIN:-}"
USER_GREGOR_BIN="${GREGOR_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"

# In run order. A benchmark whose script does not exist (yet) is listed as such; --only picks among these.
BENCHES=(storage produce-consume consume-vs-tansu replication latency commits transactions failover metrics-scrape
    scale)

usage() {
    cat <<USAGE
Usage: scripts/bench/all.sh [--only NAME,NAME...] [--full] [--no-build] [--timeout S] [--json FILE] [--keep-logs]

1. Builds the release gregor-server and gregor once (swift build -c release --product gregor-server, then
   --product gregor) unless --no-build; GREGOR_SERVER_BIN and GREGOR_BIN name existing binaries instead.
2. Runs each benchmark, one at a time (they share the machine's cores, so never in parallel):
     scripts/bench/<name>.sh --quick --no-build --summary <file>
   in this order: ${BENCHES[*]}
   (a script that does not exist is reported as missing). Each one's output goes to its own log in a temporary
   folder; stderr shows which benchmark runs and how long each took.
3. Prints ONE Markdown table from the benchmarks' summary lines (JSON, see scripts/bench/bench_summary.py):
     | bench | metric | value unit | limit (name) | ratio | target | met |
   where the limit is what this machine reached in the same run (mock broker, loopback TCP, dd, ZooKeeper, ...).
   A benchmark that fails (non-zero exit, timeout, or no summary line) is a row saying so with its log's path;
   the others still run. The exit status is 0 when the table was printed, whatever the figures and failures.

How long: with --quick, about 4 minutes for storage, produce-consume, commits, transactions, failover and
metrics-scrape on a 2-core machine (each 15-60 s), plus up to 2 minutes for each of the others present; add the
release build unless --no-build. --full runs each with its own defaults instead: 30-60 minutes or more.

Options:
  --only A,B     run only these benchmarks (names as above)
  --full         run each benchmark without --quick (their default, longer settings)
  --no-build     use the existing release binaries (.build/release, or GREGOR_SERVER_BIN / GREGOR_BIN)
  --timeout S    stop a benchmark after S seconds and report it as failed (SIGINT, so it cleans up; default 600,
                 with --full 7200)
  --json FILE    also write every summary line (all benchmarks) to FILE
  --keep-logs    keep the logs folder even when every benchmark succeeded (it is kept anyway when one failed)
Environment: GREGOR_SERVER_BIN, GREGOR_BIN (binaries), and each benchmark's own variables.
USAGE
}

only="" full=0 build=1 timeout_s="" json="" keep_logs=0
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --only)
            (($# >= 2)) || die "--only needs a comma-separated list of benchmarks"
            only="$2"
            shift
            ;;
        --only=*) only="${1#--only=}" ;;
        --full) full=1 ;;
        --no-build) build=0 ;;
        --timeout)
            if (($# < 2)) || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then die "--timeout needs a number of seconds"; fi
            timeout_s="$2"
            shift
            ;;
        --json)
            (($# >= 2)) || die "--json needs a file"
            json="$2"
            [[ "$json" == /* ]] || json="$CALLER_DIR/$json"
            shift
            ;;
        --keep-logs) keep_logs=1 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
done
[[ -n "$timeout_s" ]] || timeout_s=$((full ? 7200 : 600))

selected=()
if [[ -n "$only" ]]; then
    IFS=',' read -r -a wanted <<<"$only"
    for name in "${wanted[@]}"; do
        [[ -n "$name" ]] || continue
        known=0
        for b in "${BENCHES[@]}"; do [[ "$b" == "$name" ]] && known=1; done
        ((known)) || die "unknown benchmark: $name (known: ${BENCHES[*]})"
        selected+=("$name")
    done
    ((${#selected[@]})) || die "--only selected nothing"
else
    selected=("${BENCHES[@]}")
fi

# ---- 1. release binaries, once ----
needs_server=0 needs_cli=0
for name in "${selected[@]}"; do
    if [[ "$name" == storage ]]; then needs_cli=1; else needs_server=1; fi
done
if ((build)); then
    if ((needs_server)) && [[ -z "$USER_SERVER_BIN" ]]; then
        info "building: swift build -c release --product gregor-server" >&2
        swift build -c release --product gregor-server >&2 || die "swift build -c release --product gregor-server failed"
        GREGOR_SERVER_BIN="$(swift build -c release --show-bin-path)/gregor-server"
    fi
    if ((needs_cli)) && [[ -z "$USER_GREGOR_BIN" ]]; then
        info "building: swift build -c release --product gregor" >&2
        swift build -c release --product gregor >&2 || die "swift build -c release --product gregor failed"
        GREGOR_BIN="$(swift build -c release --show-bin-path)/gregor"
    fi
fi
# Absolute paths: every benchmark uses these (and, given --no-build, builds nothing).
if ((needs_server)); then
    [[ -x "$GREGOR_SERVER_BIN" ]] || die "gregor-server not found: $GREGOR_SERVER_BIN (build it, or drop --no-build)"
    GREGOR_SERVER_BIN="$(realpath "$GREGOR_SERVER_BIN")"
fi
if ((needs_cli)); then
    [[ -x "$GREGOR_BIN" ]] || die "gregor not found: $GREGOR_BIN (build it, or drop --no-build)"
    GREGOR_BIN="$(realpath "$GREGOR_BIN")"
fi
export GREGOR_SERVER_BIN GREGOR_BIN

# ---- 2. the benchmarks ----
LOGS="$(mktemp -d "${TMPDIR:-/tmp}/gregor-bench-all.XXXXXX")"
STATUS="$LOGS/status.tsv" # name, state (ok|failed|missing), seconds, log, detail
: >"$STATUS"
child=""
on_signal() {
    # The benchmark runs in its own process group (timeout's): pass the interrupt on, let it clean up, then stop.
    if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
        kill -INT "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    warn "interrupted; logs in $LOGS"
    exit 130
}
trap on_signal INT TERM

mode_args=(--quick)
if ((full)); then mode_args=(); fi
started_all=$SECONDS
for name in "${selected[@]}"; do
    script="$ROOT/scripts/bench/$name.sh"
    log="$LOGS/$name.log"
    if [[ ! -f "$script" ]]; then
        printf '%s\tmissing\t0\t\tscripts/bench/%s.sh does not exist\n' "$name" "$name" >>"$STATUS"
        info "$name: scripts/bench/$name.sh does not exist, skipped" >&2
        continue
    fi
    info "$name: running (${mode_args[*]:-full} --no-build), log $log" >&2
    started=$SECONDS
    # SIGINT on timeout: the Python halves turn it into KeyboardInterrupt and run their cleanup (finally blocks),
    # the bash halves their EXIT traps; SIGKILL 30 s later if something still hangs.
    timeout -s INT -k 30 "$timeout_s" bash "$script" "${mode_args[@]}" --no-build --summary "$LOGS/$name.jsonl" \
        >"$log" 2>&1 </dev/null &
    child=$!
    rc=0
    wait "$child" || rc=$?
    child=""
    took=$((SECONDS - started))
    lines=0
    [[ -f "$LOGS/$name.jsonl" ]] && lines="$(grep -c . "$LOGS/$name.jsonl" || true)"
    if ((rc == 124 || rc == 137)); then
        state=failed detail="timed out after ${timeout_s}s"
    elif ((rc != 0)); then
        state=failed detail="exit status $rc"
    elif ((lines == 0)); then
        state=failed detail="no summary line"
    else
        state=ok detail=""
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$state" "$took" "$log" "$detail" >>"$STATUS"
    info "$name: $state after ${took}s${detail:+ ($detail)}" >&2
    if [[ "$state" == failed ]]; then
        tail -n 5 "$log" | sed "s/^/    $name: /" >&2
    fi
done
trap - INT TERM

# ---- 3. one table ----
PYTHON="$ROOT/.venv/bin/python"
[[ -x "$PYTHON" ]] || PYTHON=python3
mode="quick"
if ((full)); then mode="full"; fi
"$PYTHON" - "$STATUS" "$LOGS" "$mode" "$((SECONDS - started_all))" "${json:-}" <<'PY'
import json
import sys
import time
from pathlib import Path

status_file, logs, mode, total, json_out = sys.argv[1:6]
rows, combined = [], []


def num(v):
    """A figure to 3 significant digits with thousands separators (1,845, 58.8, 0.372)."""
    if v is None:
        return ""
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def cell(text):
    return str(text).replace("|", "\\|")


for line in Path(status_file).read_text().splitlines():
    name, state, took, log, detail = (line.split("\t") + [""] * 5)[:5]
    summary = Path(logs) / f"{name}.jsonl"
    figures = []
    if summary.exists():
        for raw in summary.read_text().splitlines():
            if not raw.strip():
                continue
            try:
                figures.append(json.loads(raw))
            except json.JSONDecodeError:
                rows.append((name, "unreadable summary line", cell(raw[:80]), "", "", "", ""))
    for f in figures:
        combined.append(f)
        value = f.get("value")
        limit = f.get("limit")
        ratio = f.get("ratio")
        unit = f.get("unit") or ""
        met = f.get("met")
        rows.append((name, cell(f.get("metric", "?")),
                     f"{num(value)} {unit}".strip() if value is not None else "n/a",
                     f"{num(limit)} {unit} ({cell(f.get('limit_name') or '')})" if limit is not None else "",
                     f"{ratio:.2f}x" if ratio is not None else "",
                     cell(f.get("target") or ""),
                     {True: "yes", False: "**no**", None: ""}[met]))
    if state == "missing":
        rows.append((name, f"not run: {cell(detail)}", "", "", "", "", ""))
    elif state == "failed":
        rows.append((name, f"**FAILED** ({cell(detail)}, after {took} s)", "", "", "", "", f"log: {log}"))

print()
print(f"Gregor benchmarks ({mode}; {time.strftime('%Y-%m-%d', time.gmtime())}; {total} s in all): each figure "
      f"against the limit this machine reached in the same run")
print()
print("| bench | metric | value unit | limit (name) | ratio | target | met |")
print("| --- | --- | ---: | --- | ---: | --- | --- |")
for r in rows:
    print("| " + " | ".join(r) + " |")
met = [f.get("met") for f in combined]
print()
print(f"{met.count(True)} met, {met.count(False)} missed, {met.count(None)} without a target (informational).")
if json_out:
    with open(json_out, "w") as out:
        for f in combined:
            out.write(json.dumps(f) + "\n")
PY

if grep -q $'\tfailed\t' "$STATUS" || ((keep_logs)); then
    info "logs kept in $LOGS" >&2
else
    rm -rf "$LOGS"
fi
