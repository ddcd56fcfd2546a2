#!/usr/bin/env bash
# The one command that runs every test on a fresh machine (also the CI entry point, .ci/run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<EOF
Usage: scripts/test.sh

  1. scripts/setup.sh --deps-only       (Debian packages, .venv with the Python clients and pytest)
  2. swift build --build-tests          fails on any compiler warning in Sources/ or Tests/
                                        (warnings in dependencies are ignored)
  3. swift test --skip-build            with GREGOR_BIN_DIR=\$(swift build --show-bin-path), killed with
                                        every child after SWIFT_TEST_LIMIT_SECONDS (default 1500)
  4. .venv/bin/pytest -q Tests/Interop  if Tests/Interop has test_*.py files
Exits non-zero if any step fails. Logs: var/test/build.log, var/test/swift-test.log, var/test/pytest.log.
The tests start their own ZooKeeper servers and brokers on free ports; no running cluster is needed.
EOF
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; die "unknown argument: $1" ;;
esac

LOG_DIR="$VAR_DIR/test"
mkdir -p "$LOG_DIR"
results=()
failed=0
record() { # record NAME STATUS SECONDS
    results+=("$(printf '%-34s %-7s %4ss' "$1" "$2" "$3")")
    if [[ "$2" == FAILED ]]; then failed=1; fi
}
summary() {
    printf '\n==================== test summary ====================\n'
    printf '%s\n' "${results[@]}"
    if ((failed)); then
        printf 'RESULT: FAILED (logs in %s/)\n' "$(rel "$LOG_DIR")"
    else
        printf 'RESULT: all passed\n'
    fi
}
banner() { printf '\n==================== %s ====================\n' "$*"; }

# Runs a command in its own process group and kills the whole group (the test binary that `swift test` spawns,
# and any server a test started) if it outlives LIMIT seconds: a hung test must fail the run, not stall CI.
run_with_deadline() { # LIMIT CMD...
    local limit=$1 pid watchdog rc
    shift
    setsid "$@" &
    pid=$!
    (
        exec >/dev/null 2>&1
        sleep "$limit"
        kill -TERM -- "-$pid"
        sleep 15
        kill -KILL -- "-$pid"
    ) &
    watchdog=$!
    wait "$pid"
    rc=$?
    pkill -P "$watchdog" 2>/dev/null || true
    kill "$watchdog" 2>/dev/null || true
    wait "$watchdog" 2>/dev/null || true
    if ((rc == 143 || rc == 137)); then
        printf '\nwatchdog: "%s" ran longer than %ss and was killed\n' "$*" "$limit"
    fi
    return "$rc"
}
SWIFT_TEST_LIMIT_SECONDS="${SWIFT_TEST_LIMIT_SECONDS:-1500}"

# ---- 1. dependencies ----
banner "1/4 setup.sh --deps-only"
t=$SECONDS
if "$ROOT/scripts/setup.sh" --deps-only; then
    record "setup (deps)" ok $((SECONDS - t))
else
    record "setup (deps)" FAILED $((SECONDS - t))
    summary
    exit 1
fi
command -v swift >/dev/null || die "swift not found on PATH; install a Swift 6 toolchain (https://www.swift.org/install/linux/)"

# ---- 2. build, warnings are errors for our own code ----
banner "2/4 swift build --build-tests"
# An incremental build does not repeat the warnings of files it does not recompile. Touching our own
# sources (not the dependencies') makes every warning in Sources/ and Tests/ show up on every run.
find "$ROOT/Sources" "$ROOT/Tests" -type f -name '*.swift' -exec touch {} +
build_log="$LOG_DIR/build.log"
t=$SECONDS
set +e
swift build --build-tests 2>&1 | tee "$build_log"
build_rc=${PIPESTATUS[0]}
set -e
# Warning lines located in this repo's Sources/ or Tests/ (absolute or relative paths). Lines from
# .build/checkouts (dependencies) do not match.
warnings="$(awk -v src="$ROOT/Sources/" -v tst="$ROOT/Tests/" '
    /warning:/ && (index($0, src) == 1 || index($0, tst) == 1 || /^(\.\/)?(Sources|Tests)\//) { print }
' "$build_log" | sort -u)"
if ((build_rc != 0)); then
    record "swift build --build-tests" FAILED $((SECONDS - t))
else
    record "swift build --build-tests" ok $((SECONDS - t))
fi
if [[ -n "$warnings" ]]; then
    count="$(printf '%s\n' "$warnings" | wc -l)"
    printf '\n%s compiler warning(s) in Sources/ or Tests/ (not allowed):\n%s\n' "$count" "$warnings"
    record "no warnings in Sources/, Tests/" FAILED 0
else
    record "no warnings in Sources/, Tests/" ok 0
fi
if ((build_rc != 0)); then
    record "swift test" skipped 0
    record "pytest Tests/Interop" skipped 0
    summary
    exit 1
fi

# ---- 3. Swift tests ----
banner "3/4 swift test --skip-build"
GREGOR_BIN_DIR="$(swift build --show-bin-path)"
export GREGOR_BIN_DIR
info "GREGOR_BIN_DIR=$GREGOR_BIN_DIR"
t=$SECONDS
# Unit suites run in parallel; the integration suites start ZooKeeper JVMs and broker processes, which on a 2-core
# machine starve parallel neighbours of CPU (their deadlines then fail), so they run one at a time, afterwards.
set +e
run_with_deadline "$SWIFT_TEST_LIMIT_SECONDS" swift test --skip-build --skip IntegrationTests 2>&1 | tee "$LOG_DIR/swift-test.log"
test_rc=${PIPESTATUS[0]}
run_with_deadline "$SWIFT_TEST_LIMIT_SECONDS" swift test --skip-build --filter IntegrationTests --no-parallel 2>&1 | tee -a "$LOG_DIR/swift-test.log"
integration_rc=${PIPESTATUS[0]}
((test_rc == 0)) && test_rc=$integration_rc
set -e
if ((test_rc == 0)); then
    record "swift test" ok $((SECONDS - t))
else
    record "swift test (exit $test_rc)" FAILED $((SECONDS - t))
fi

# ---- 4. interop tests with real Kafka clients (Python) ----
banner "4/4 pytest Tests/Interop"
if [[ -d "$ROOT/Tests/Interop" ]] && [[ -n "$(find "$ROOT/Tests/Interop" -type f -name 'test_*.py' -print -quit)" ]]; then
    t=$SECONDS
    set +e
    "$ROOT/.venv/bin/pytest" -q "$ROOT/Tests/Interop" 2>&1 | tee "$LOG_DIR/pytest.log"
    py_rc=${PIPESTATUS[0]}
    set -e
    if ((py_rc == 0 || py_rc == 5)); then # 5: no tests collected
        record "pytest Tests/Interop" ok $((SECONDS - t))
    else
        record "pytest Tests/Interop (exit $py_rc)" FAILED $((SECONDS - t))
    fi
else
    info "no Tests/Interop/test_*.py yet"
    record "pytest Tests/Interop" skipped 0
fi

summary
exit "$failed"
