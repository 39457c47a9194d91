#!/usr/bin/env bash
# How a sharded run spreads its work over threads, in instructions (callgrind), for as many
# threads as you like on any machine: what more cores would give, without having them.
#
#   Benchmarks/thread_balance.sh BIN CAPTURE [THREADS ...]     (default THREADS: 2 3 4)
#
# BIN is a release build of edgeflow (strip --strip-debug it first: callgrind reads debug
# info slowly). For one thread and each THREADS it runs `analyze CAPTURE --threads N` under
# `valgrind --tool=callgrind --separate-threads=yes` with deterministic hashing and prints each
# thread's instructions as a share of the one-thread run: the calling thread (reads, routes,
# tracks its buckets, replays, adds the classified flows to the report), the flow workers and
# the threads that end each table at the end of input (callgrind may give an ending thread a
# worker's id, and so one column), the report writer. "sum" is the
# CPU a run costs against one thread; "bound" = 1 / busiest share is the speed-up the run could
# reach with a core per thread and nothing else in the way (caches, memory, waiting are not
# counted). Needs valgrind. Takes about a minute per run per 100 million instructions.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BIN CAPTURE [THREADS ...]" >&2; exit 2; }
bin=$1; capture=$2; shift 2
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(2 3 4)
command -v valgrind >/dev/null || { echo "missing valgrind: apt-get install -y valgrind" >&2; exit 2; }
[ -f "$capture" ] || { echo "no such capture: $capture" >&2; exit 2; }
out=$(mktemp -d /tmp/edgeflow-balance.XXXXXX)

run() {  # run N: callgrind files $out/tN.cg-01 ...
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --separate-threads=yes \
        --callgrind-out-file="$out/t$1.cg" "$bin" analyze "$capture" --threads "$1" \
        --format json --quiet --out /dev/null 2>"$out/t$1.log" \
        || { echo "threads $1 failed, see $out/t$1.log" >&2; exit 1; }
}
total() { awk '/^totals:/ {print $2}' "$1"; }

run 1
one=0
for f in "$out"/t1.cg*; do [ -s "$f" ] && one=$((one + $(total "$f"))); done
echo "capture: $capture"
echo "one thread: $one instructions (report writer included)"
printf '%-8s %-10s %-28s %-8s %-6s %-8s %s\n' threads calling workers report sum busiest bound
for n in "${counts[@]}"; do
    run "$n"
    calling=0; report=0; workers=(); sum=0; busiest=0
    for f in "$out"/t$n.cg-*; do
        [ -s "$f" ] || continue
        ir=$(total "$f"); sum=$((sum + ir)); [ "$ir" -gt "$busiest" ] && busiest=$ir
        if grep -q '^thread: 1$' "$f"; then calling=$ir
        elif grep -q 'BackgroundReportWriter' "$f"; then report=$((report + ir))
        else workers+=("$ir"); fi
    done
    share() { awk -v a="$1" -v b="$one" 'BEGIN {printf "%.2f", a / b}'; }
    w=""; for x in "${workers[@]}"; do w+="$(share "$x") "; done
    printf '%-8s %-10s %-28s %-8s %-6s %-8s %s\n' "$n" "$(share $calling)" "$w" "$(share $report)" \
        "$(share $sum)" "$(share $busiest)" "$(awk -v a="$one" -v b="$busiest" 'BEGIN {printf "%.2f", a / b}')"
done
rm -rf "$out"
