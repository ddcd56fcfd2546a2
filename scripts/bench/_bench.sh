# shellcheck shell=bash
# Sourced by the benchmarks (after scripts/_common.sh), for what they all do the same way.

# ensure_server_bin BUILD: settles GREGOR_SERVER_BIN for a benchmark. A binary named by the caller
# (GREGOR_SERVER_BIN, or GREGOR_BIN_DIR/gregor-server) is used as it is; otherwise, when BUILD is 1, the release
# gregor-server is built first. Dies when the binary is not there. USER_SERVER_BIN must hold the caller's own
# GREGOR_SERVER_BIN, read before scripts/_common.sh gave it a default.
ensure_server_bin() {
    local build="$1"
    if [[ -z "$USER_SERVER_BIN" && -n "${GREGOR_BIN_DIR:-}" ]]; then
        GREGOR_SERVER_BIN="$GREGOR_BIN_DIR/gregor-server"
    elif [[ -z "$USER_SERVER_BIN" ]] && ((build)); then
        info "building: swift build -c release --product gregor-server"
        swift build -c release --product gregor-server >&2 || die "swift build -c release --product gregor-server failed"
        GREGOR_SERVER_BIN="$(swift build -c release --show-bin-path)/gregor-server"
    fi
    [[ -x "$GREGOR_SERVER_BIN" ]] || die "gregor-server not found: $GREGOR_SERVER_BIN"
}

# bench_python: the Python the measuring halves run with (GREGOR_PYTHON, else the project's .venv, else python3).
bench_python() {
    local python="${GREGOR_PYTHON:-$ROOT/.venv/bin/python}"
    [[ -x "$python" ]] || python=python3
    printf '%s\n' "$python"
}
