#!/usr/bin/env bash
# Builds the libFuzzer targets with address sanitizer and runs one:
#   Fuzz/run.sh TARGET SECONDS      (TARGET: FuzzCapture FuzzDTLS FuzzPackets FuzzSDP FuzzSTUN FuzzTLS FuzzText)
# Seeds are Fuzz/seeds/TARGET: FuzzDTLS's the DTLS captures' datagrams (committed, written
# by Scripts/make_dtls_fuzz_seeds.sh); FuzzPackets's, FuzzSTUN's, FuzzText's and FuzzSDP's the
# captures' frames and payloads in their formats (written here by Scripts/make_fuzz_seeds.py
# when missing or empty, not committed); FuzzCapture's and FuzzTLS's the files of Captures/
# (copied to Fuzz/seeds/captures, not committed), whose packets FuzzTLS finds by itself. New
# corpus entries go to Fuzz/corpus/TARGET (not committed); a crash is written to Fuzz/crashes/
# and makes the script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: Fuzz/run.sh TARGET SECONDS}
seconds=${2:-30}
# --sanitize sets up libFuzzer's main; -Xswiftc -sanitize=fuzzer also instruments EdgeflowKit
# (a dependency), without which the fuzzer would get no coverage from the code under test.
flags=(-c release --scratch-path .build-cov --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer)
swift build "${flags[@]}" --product "$target" >/dev/null
bin=$(swift build "${flags[@]}" --show-bin-path)/$target
mkdir -p "corpus/$target" crashes
seeds=seeds/$target
case $target in
    FuzzPackets|FuzzSTUN|FuzzText|FuzzSDP)
        if [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
            python3 ../Scripts/make_fuzz_seeds.py >/dev/null ||
                { echo "Scripts/make_fuzz_seeds.py failed (above): no seeds for $target" >&2; exit 1; }
        fi ;;
esac
if [ ! -d "$seeds" ]; then
    seeds=seeds/captures
    mkdir -p "$seeds"
    if [ -z "$(ls -A "$seeds")" ]; then
        find ../Captures -name '*.pcap*' -size -64k -exec cp {} "$seeds"/ \;
    fi
fi
status=0
"$bin" "corpus/$target" "$seeds" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix=crashes/ -print_final_stats=1 > "crashes/$target.log" 2>&1 || status=$?
grep -E "INITED|DONE|stat::|ERROR|SUMMARY" "crashes/$target.log" | tail -12
exit $status
