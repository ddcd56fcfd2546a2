#!/usr/bin/env bash
# Storage engine throughput against dd on the same disk: appends (16 KiB and 1 MiB writes, page cache and
# fdatasync), reads (page cache warm) and crash recovery of one 1 GiB segment. Prints a Markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CALLER_DIR="$PWD"
cd "$ROOT"
USER_GREGOR_BIN="${GREGOR_BIN:-}"
# shellcheck source=scripts/_common.sh source-path=SCRIPTDIR/../..
source "$ROOT/scripts/_common.sh"

usage() {
    cat <<EOF
Usage: scripts/bench/storage.sh [--quick] [--no-build] [--summary FILE] [DIR]

Measures in a fresh folder inside DIR (default: \${TMPDIR:-/tmp}), which it removes afterwards:
  dd   if=/dev/zero of=f bs=16k count=65536 [conv=fdatasync], bs=1M count=1024 [conv=fdatasync],
       dd if=f of=/dev/null bs=1M right after writing f with bs=16k, as the log was (page cache warm): a warm read
       of a GiB takes about a tenth of a second, so both dd and gregor read 5 times and the fastest pass counts
  gregor perf storage --only <case>   (the same sizes through Gregor's Log; see Sources/gregor/StoragePerfCommand.swift)
Each case runs GREGOR_BENCH_RUNS times, dd and gregor alternating, each after the same preparation (see fresh()); the table
shows medians and every run.
Targets: appends and reads >= 90% of dd; recovery of 1 GiB < 2 s.
Environment: GREGOR_BENCH_MIB (default 1024) MiB per run, GREGOR_BENCH_RUNS (default 5).
Builds the release gregor first (swift build -c release --product gregor) unless --no-build; GREGOR_BIN overrides
the binary.
Options:
  --quick           a short setting (about half a minute): 1 run of 1024 MiB (the environment variables still win);
                    the recovery target scales with GREGOR_BENCH_MIB (2 s per GiB)
  --no-build        use the existing .build/release/gregor
  --summary FILE    append the headline figures to FILE as JSON lines (see scripts/bench/bench_summary.py)
EOF
}

quick=0 build=1 summary="" dir=""
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --quick) quick=1 ;;
        --no-build) build=0 ;;
        --summary)
            (($# >= 2)) || die "--summary needs a file"
            summary="$2"
            [[ "$summary" == /* ]] || summary="$CALLER_DIR/$summary"
            shift
            ;;
        -*) usage >&2; die "unknown argument: $1" ;;
        *)
            [[ -z "$dir" ]] || die "one DIR only"
            dir="$1"
            [[ "$dir" == /* ]] || dir="$CALLER_DIR/$dir"
            ;;
    esac
    shift
done
if ((quick)); then RUNS="${GREGOR_BENCH_RUNS:-1}"; else RUNS="${GREGOR_BENCH_RUNS:-5}"; fi
MIB="${GREGOR_BENCH_MIB:-1024}"
# Warm reads of a GiB last about 0.13 s: dd and gregor each read this many times and the fastest pass counts.
READ_PASSES=5
BASE_DIR="${dir:-${TMPDIR:-/tmp}}"
[[ -d "$BASE_DIR" ]] || die "no such directory: $BASE_DIR"

if [[ -z "$USER_GREGOR_BIN" ]] && ((build)); then
    info "building: swift build -c release --product gregor"
    swift build -c release --product gregor >&2
fi
[[ -x "$GREGOR_BIN" ]] || die "gregor binary not found: $GREGOR_BIN"
"$GREGOR_BIN" perf storage --help 2>&1 | grep -q -- --size-mib || die "$GREGOR_BIN has no 'perf storage' subcommand"

WORK="$(mktemp -d "$BASE_DIR/gregor-bench-storage.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# MB/s (10^6 bytes) of one dd run, from its summary line: "<bytes> bytes (...) copied, <seconds> s, ...".
dd_mbps() {
    local summary bytes seconds
    summary="$(LC_ALL=C dd "$@" 2>&1 >/dev/null | tail -n 1)"
    bytes="${summary%% bytes*}"
    seconds="$(sed -E 's/.*copied, ([0-9.e+-]+) s,.*/\1/' <<<"$summary")"
    awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.1f\n", b / s / 1e6 }'
}

# gregor perf storage for the comma-separated cases; prints its "RESULT <case> <value>" lines.
gregor_run() {
    "$GREGOR_BIN" perf storage --dir "$WORK" --size-mib "$MIB" --read-passes "$READ_PASSES" --results --only "$1" ||
        die "gregor perf storage --only $1 failed"
}

# The value of case $1 from RESULT lines on stdin; fails when there is none.
result() {
    local value
    value="$(awk -v n="$1" '$1 == "RESULT" && $2 == n { print $3 }')"
    [[ -n "$value" ]] || die "no result for $1"
    echo "$value"
}

gregor_value() {
    local out
    out="$(gregor_run "$1")"
    result "$1" <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print v[int((NR + 1) / 2)] }'; }

# Before every timed run: no file from the last run, nothing dirty, and memory in the same state for dd and gregor.
# On this VM, page-cache pages freed a moment ago are still backed by the host and fill at memory speed; pages
# idle for a second or two are handed back (free page reporting) and the first touch costs 5x. Writing and
# deleting a file of the run's size right before it puts both tools in the first state every time.
fresh() {
    rm -f "$WORK/f"
    dd if=/dev/zero of="$WORK/prime" bs=1M count="$MIB" status=none
    rm -f "$WORK/prime"
    sync
}

# Space-separated values per case.
declare -A GREGOR=() DD=()

for run in $(seq 1 "$RUNS"); do
    info "run $run of $RUNS"
    for bs in 16k 1M; do
        if [[ "$bs" == 16k ]]; then count=$((MIB * 64)) tag=16k; else count="$MIB" tag=1m; fi
        fresh; DD[append-$tag-pagecache]+="$(dd_mbps if=/dev/zero of="$WORK/f" bs="$bs" count="$count") "
        fresh; GREGOR[append-$tag-pagecache]+="$(gregor_value "append-$tag-pagecache") "
        fresh; DD[append-$tag-fsync]+="$(dd_mbps if=/dev/zero of="$WORK/f" bs="$bs" count="$count" conv=fdatasync) "
        fresh; GREGOR[append-$tag-fsync]+="$(gregor_value "append-$tag-fsync") "
    done
    # Reads: dd reads back the file it has just written (warm); gregor reads the log it has just appended
    # (untimed). Both were written in 16 KiB pieces: on this kernel the write size decides the page cache's folio
    # sizes, and reading small folios is measurably slower, so a 1 MiB-written file would not be the same bytes
    # on the same footing.
    fresh; dd if=/dev/zero of="$WORK/f" bs=16k count="$((MIB * 64))" status=none
    best=0
    for _ in $(seq 1 "$READ_PASSES"); do
        best="$(awk -v a="$best" -v b="$(dd_mbps if="$WORK/f" of=/dev/null bs=1M)" 'BEGIN { print (b > a) ? b : a }')"
    done
    DD[read]+="$best "
    fresh
    out="$(gregor_run read-readbytes,read-pread,recovery-seconds)"
    for name in read-readbytes read-pread recovery-seconds; do
        GREGOR[$name]+="$(result "$name" <<<"$out") "
    done
done
rm -f "$WORK/f"
for key in "${!GREGOR[@]}"; do
    [[ "$(wc -w <<<"${GREGOR[$key]}")" -eq "$RUNS" ]] || die "missing gregor results for $key: ${GREGOR[$key]}"
done

med() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | median; }

# summary_line METRIC VALUE UNIT LIMIT LIMIT_NAME TARGET MET: one JSON line (bench_summary.py's schema) appended to
# --summary's file; LIMIT "" is null, MET is true, false or null. Labels carry no quotes or backslashes.
summary_line() {
    [[ -n "$summary" ]] || return 0
    awk -v metric="$1" -v value="$2" -v unit="$3" -v limit="$4" -v limit_name="$5" -v target="$6" -v met="$7" 'BEGIN {
        if (limit == "") { lim = "null"; ratio = "null"; lname = "null" }
        else { lim = limit + 0; ratio = (limit + 0 != 0) ? sprintf("%.6g", value / limit) : "null"; lname = "\"" limit_name "\"" }
        printf "{\"bench\": \"storage\", \"metric\": \"%s\", \"value\": %s, \"unit\": \"%s\", \"limit\": %s, ", metric, value + 0, unit, lim
        printf "\"limit_name\": %s, \"ratio\": %s, \"target\": \"%s\", \"met\": %s}\n", lname, ratio, target, met
    }' >>"$summary"
}

row() { # label, gregor key, dd key, summary metric
    local g d ratio verdict
    g="$(med "${GREGOR[$2]:-}")"
    d="$(med "${DD[$3]:-}")"
    ratio="$(awk -v g="$g" -v d="$d" 'BEGIN { printf "%.0f%%", 100 * g / d }')"
    verdict="$(awk -v g="$g" -v d="$d" 'BEGIN { print (g >= 0.9 * d) ? "PASS" : "MISS" }')"
    summary_line "$4" "$g" MB/s "$d" "dd, same disk" ">= 0.9x dd" "$([[ $verdict == PASS ]] && echo true || echo false)"
    printf '| %s | %s MB/s | %s MB/s | %s | >= 90%% of dd | %s | %s / %s |\n' "$1" "$g" "$d" "$ratio" "$verdict" \
        "$(xargs <<<"${GREGOR[$2]:-}")" "$(xargs <<<"${DD[$3]:-}")"
}

echo
echo "Storage benchmark: ${MIB} MiB per run, median of $RUNS, $(df -T "$BASE_DIR" | awk 'NR == 2 { print $2 }') at $BASE_DIR, $(uname -r), $(date -u +%Y-%m-%d)"
echo
echo "| measurement | gregor | dd | gregor/dd | target | result | all runs, gregor / dd |"
echo "| --- | ---: | ---: | ---: | --- | --- | --- |"
row "append, 16 KiB batches, page cache" append-16k-pagecache append-16k-pagecache "append 16 KiB, page cache"
row "append, 16 KiB batches, ending with fdatasync" append-16k-fsync append-16k-fsync "append 16 KiB, fdatasync"
row "append, 1 MiB batches, page cache" append-1m-pagecache append-1m-pagecache "append 1 MiB, page cache"
row "append, 1 MiB batches, ending with fdatasync" append-1m-fsync append-1m-fsync "append 1 MiB, fdatasync"
row "read, 1 MiB fetches, pread of the FileSlice (warm)" read-pread read "read 1 MiB fetches, pread"
row "read, 1 MiB fetches, FileSlice.readBytes() (warm)" read-readbytes read "read 1 MiB fetches, readBytes"
recovery="$(med "${GREGOR[recovery-seconds]:-}")"
# The target is 2 s for 1 GiB; another GREGOR_BENCH_MIB is held to the same rate.
recovery_target="$(awk -v m="$MIB" 'BEGIN { printf "%.3g", 2 * m / 1024 }')"
recovery_verdict="$(awk -v s="$recovery" -v t="$recovery_target" 'BEGIN { print (s < t) ? "PASS" : "MISS" }')"
printf '| recovery of %s MiB after a crash (unclean open, recovery point 0) | %s s | | | < %s s | %s | %s |\n' \
    "$MIB" "$recovery" "$recovery_target" "$recovery_verdict" "$(xargs <<<"${GREGOR[recovery-seconds]:-}")"
summary_line "recovery of $MIB MiB" "$recovery" s "" "" "< $recovery_target s (2 s per GiB)" \
    "$([[ $recovery_verdict == PASS ]] && echo true || echo false)"
