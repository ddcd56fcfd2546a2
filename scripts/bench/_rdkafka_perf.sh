# shellcheck shell=bash
# Sourced by the benchmarks that drive librdkafka's rdkafka_performance (after scripts/_common.sh).
# ensure_rdkafka_performance [EXTRA_PACKAGE...]: installs what is missing (apt-get, sudo when not root): dpkg-dev,
# gcc, librdkafka-dev, the extra packages, and a deb-src entry for Debian's archive if apt has none; then builds
# librdkafka's examples/rdkafka_performance.c from Debian's source package (the installed librdkafka-dev's version)
# against the installed library, once, cached in $CACHE_DIR. Sets PERF to the binary.
# GREGOR_RDKAFKA_PERF names an existing binary instead.
# ensure_fetch_ceiling (after ensure_rdkafka_performance, which installs gcc): compiles scripts/bench/fetch_ceiling.c
# once per source version into $CACHE_DIR and sets FETCH_CEILING to the binary.

CACHE_DIR="${GREGOR_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gregor-bench}"

ensure_rdkafka_performance() {
    if [[ -n "${GREGOR_RDKAFKA_PERF:-}" ]]; then
        [[ -x "$GREGOR_RDKAFKA_PERF" ]] || die "GREGOR_RDKAFKA_PERF is not an executable: $GREGOR_RDKAFKA_PERF"
        PERF="$GREGOR_RDKAFKA_PERF"
        return 0
    fi
    local missing=() pkg version src_dir f
    # ---- 1. packages and a deb-src entry ----
    command -v dpkg-query >/dev/null || die "this script supports Debian (12) and derivatives only"
    missing=()
    for pkg in dpkg-dev gcc libc6-dev librdkafka-dev "$@"; do
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

}

ensure_fetch_ceiling() {
    local src="$ROOT/scripts/bench/fetch_ceiling.c"
    FETCH_CEILING="$CACHE_DIR/fetch_ceiling-$(sha256sum "$src" | cut -c1-12)"
    if [[ ! -x "$FETCH_CEILING" ]]; then
        command -v gcc >/dev/null || die "gcc is needed to compile scripts/bench/fetch_ceiling.c"
        mkdir -p "$CACHE_DIR"
        info "compiling scripts/bench/fetch_ceiling.c"
        gcc -O2 -Wall "$src" -o "$FETCH_CEILING.tmp" -lpthread || die "compiling fetch_ceiling.c failed"
        mv -f "$FETCH_CEILING.tmp" "$FETCH_CEILING"
    fi
    info "fetch_ceiling: $FETCH_CEILING"
}
