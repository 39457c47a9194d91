#!/usr/bin/env bash
# End-to-end test of `edgeflow live --format zeek --rotate`: in a private network namespace
# with only loopback (unshare -n), tcpreplay replays a capture onto lo while `edgeflow live lo`
# writes Zeek logs rotated every 2 s (flows end after 5 s idle, so some end during the replay);
# SIGTERM stops it. Then, read by `parsezeeklogs` from PyPI
# (installed into a virtual environment this script makes):
# - every file is a closed, renamed log PATH.OPEN_CLOSE.log whose #open/#close are its name's;
# - the rotation made more than one conn.log file, each with its own header;
# - together the conn.log files hold every flow of an offline `analyze --format zeek` of the
#   same capture (5-tuple, packets and IP bytes each way), and edge_rules.log its six rules;
#   the dns.log and stun.log files its transactions (5-tuple and transaction ID, answer).
#   Tests/Live/zeek_live_test.sh [EDGEFLOW_BINARY] [CAPTURE]
# Needs root, tcpreplay, python3 with venv and PyPI.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=offline.sh
source Tests/Live/offline.sh zeek-live "$@"

# shellcheck source=zeeklogs.sh
source Tests/Live/zeeklogs.sh
# Flows idle for 5 s end: the sample's early flows end (and are logged) during the replay, in
# an earlier 2 s period than the last ones. No flow of the sample pauses that long (its longest
# gap is 4 s, tshark), so the offline run with the same timeouts has the same flows.
timeouts=(--tcp-timeout 5 --udp-timeout 5)
"$bin" analyze "$capture" "${topology[@]}" "${timeouts[@]}" --format zeek --out "$work/offline"

unshare -n bash -s "$bin" "$capture" "$work" "${topology[@]}" "${timeouts[@]}" <<'INNER'
set -euo pipefail
bin=$1; capture=$2; work=$3; shift 3
ip link set lo up
"$bin" live lo "$@" --filter '' --interval 0.5 --format zeek --out "$work/live" --rotate 2s 2>"$work/live.err" &
live_pid=$!
# Ready once the capture loop runs (its start is logged).
for _ in $(seq 100); do grep -q 'capture started' "$work/live.err" 2>/dev/null && break; sleep 0.1; done
tcpreplay -q -i lo "$capture" >"$work/tcpreplay.log" 2>&1
sleep 3   # the flows that ended by 2.5 s into the capture expire, in another period than the last
kill -TERM "$live_pid"
wait "$live_pid"
INNER

zeek_python "$work" <<'PY'
import os, re, sys
from collections import Counter
import zeeklogs
from zeeklogs import check

work = sys.argv[1]
def read(path):
    return zeeklogs.read(path)[0]

names = sorted(os.listdir(os.path.join(work, "live")))
stamp = r"(\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)"
live = {}
for name in names:
    m = re.fullmatch(r"([a-z_0-9]+)\." + stamp + "_" + stamp + r"\.log", name)
    check(m is not None, f"{name} is not a rotated log PATH.OPEN_CLOSE.log")
    if not m:
        continue
    lines = open(os.path.join(work, "live", name)).read().splitlines()
    check(f"#path\t{m[1]}" in lines and f"#open\t{m[2]}" in lines and lines[-1] == f"#close\t{m[3]}",
          f"{name}: #path/#open/#close do not match its name")
    live.setdefault(m[1], []).append(read(os.path.join(work, "live", name)))
conn_files = live.get("conn", [])
check(len(conn_files) >= 2, f"{len(conn_files)} conn.log files: the 2 s rotation did not rotate")

def flows(records):
    return Counter((r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"],
                    r["orig_pkts"], r["orig_ip_bytes"], r["resp_pkts"], r["resp_ip_bytes"]) for r in records)
offline = flows(read(os.path.join(work, "offline", "conn.log")))
seen = flows([r for f in conn_files for r in f])
check(len(offline) > 0 and seen == offline,
      f"live conn.log rows differ from the offline ones: only live {list((seen - offline).items())[:4]}, only offline {list((offline - seen).items())[:4]}")
rules = [r for f in live.get("edge_rules", []) for r in f]
offline_rules = read(os.path.join(work, "offline", "edge_rules.log"))
check([(r["rule"], r["flows"]) for r in rules] == [(r["rule"], r["flows"]) for r in offline_rules] and len(rules) == 6,
      "edge_rules.log differs from the offline one")
# dns.log and stun.log: the offline transactions (uids differ: a live flow starts at the replay's time).
for path, answer in [("dns", "rcode"), ("stun", "class")]:
    key = lambda r: (r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"], r["trans_id"], r[answer])
    got = Counter(key(r) for f in live.get(path, []) for r in f)
    want = Counter(key(r) for r in read(os.path.join(work, "offline", path + ".log")))
    check(len(want) > 0 and got == want, f"live {path}.log rows differ from the offline ones: only live {list((got - want).items())[:3]}, only offline {list((want - got).items())[:3]}")

zeeklogs.finish(f"{len(names)} rotated Zeek logs ({len(conn_files)} conn.log files, {sum(seen.values())} flows) read by parsezeeklogs match the offline logs")
PY
