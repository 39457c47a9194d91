#!/usr/bin/env python3
"""Checks the runs of fanout_test.sh.

    compare_fanout.py WORKDIR

WORKDIR holds, per run NAME (top1, top2: the generated capture at top speed with 1 and 2
threads; slow1, slow2: the sample at 500 packets/s; sip1, sip2: relay-call-sip.pcap's SIP, then its media), NAME.json (the final report of
edgeflow live), NAME.err (its diagnostics), NAME.tcpreplay (what tcpreplay printed) and
NAME.metrics (the rules' metrics scraped after the replay, before the stop).
"""
import ipaddress
import json
import os
import re
import sys

work = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def load(name):
    report = json.load(open(os.path.join(work, name + ".json")))
    replay = open(os.path.join(work, name + ".tcpreplay")).read()
    sent = int(re.search(r"Successful packets:\s+(\d+)", replay).group(1))
    rate = re.search(r"Rated: .*?([\d.]+) pps", replay)
    return report, sent, float(rate.group(1)) if rate else 0.0


# 1. Top speed: every packet sent is counted or dropped, and with 2 threads both sockets work.
print("threads  sent     pps        counted  kernel_drops  interface_drops  per socket (packets/drops)")
for threads in (1, 2):
    report, sent, pps = load(f"top{threads}")
    c = report["capture"]
    sockets = c.get("sockets", [])
    print(f"{threads:<8} {sent:<8} {pps:<10.0f} {c['packets']:<8} {c['kernel_drops']:<13} {c['interface_drops']:<16} "
          + " ".join(f"{s['packets']}/{s['kernel_drops']}" for s in sockets))
    check(c["packets"] + c["kernel_drops"] + c["interface_drops"] == sent,
          f"{threads} thread(s) at top speed: counted + kernel drops + interface drops == {sent} sent")
    if threads == 1:
        check("sockets" not in c, "1 thread: no per-socket detail in the report")
    else:
        check(len(sockets) == 2 and all(s["packets"] > 0 for s in sockets), "2 threads: both sockets counted packets")
        check(sum(s["packets"] for s in sockets) == c["packets"], "2 threads: the sockets' packets sum to the report's")
        check(sum(s["kernel_drops"] for s in sockets) == c["kernel_drops"], "2 threads: the sockets' drops sum to the report's")

# 2. Nothing dropped: the same report with 1 and 2 threads, times aside: each run is its own
# replay, so times, durations, uids (made from times) and what the replay's pacing changes (RTTs
# measured on the wire, and the R-factor and MOS computed from them) differ between any two runs.
timing = {"ts", "first_ts", "last_ts", "duration", "uid", "start", "end", "r_factor", "mos"}


def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in timing and not k.endswith(("_ts", "_ms", "_at"))}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def key(f):
    return (f["proto"], f["orig_h"], f["orig_p"], f["resp_h"], f["resp_p"])


one, sent1, _ = load("slow1")
two, sent2, _ = load("slow2")
for name, r, sent in (("1 thread", one, sent1), ("2 threads", two, sent2)):
    check(r["capture"]["packets"] == sent and r["capture"]["kernel_drops"] == 0, f"{name} at 500 pps: all {sent} packets counted, none dropped")
f1 = {key(f): strip(f) for f in one["flows"]}
f2 = {key(f): strip(f) for f in two["flows"]}
check(len(f1) == len(one["flows"]) and len(f1) > 0, f"1 thread: {len(f1)} flows, one per 5-tuple")
check(len(f2) == len(two["flows"]), f"2 threads: {len(f2)} flows, one per 5-tuple (none reported by two sockets)")
check(set(f1) == set(f2), f"2 threads: the same {len(f1)} flows (5-tuples); 2 threads have {len(f2)}")
diff = [k for k in f1 if k in f2 and f1[k] != f2[k]]
check(not diff, f"2 threads: every flow's fields equal 1 thread's, times aside {diff[:3]}")
for k in diff[:3]:
    print(f"      {k}: " + ", ".join(f"{n}: {f1[k].get(n)} / {f2[k].get(n)}" for n in sorted(set(f1[k]) | set(f2[k])) if f1[k].get(n) != f2[k].get(n))[:1500])


def findings(r):
    """The findings with their flows named by 5-tuple (a flow's uid depends on its times)."""
    uids = {f["uid"]: key(f) for f in r["flows"]}
    return [dict(strip(f), flows=sorted(uids[u] for u in f["flows"])) for f in r["findings"]]


check(findings(one) == findings(two), "2 threads: the same findings, of the same flows")
check(strip(one["rules"]) == strip(two["rules"]), "2 threads: the same rules")
# The peaks of live flows and of reassembly memory are the sum of the sockets' peaks.
peaks = ("files", "sockets", "peak_live_flows", "reassembly")
c1 = {k: v for k, v in strip(one["capture"]).items() if k not in peaks}
c2 = {k: v for k, v in strip(two["capture"]).items() if k not in peaks}
check(c1 == c2, "2 threads: the same capture summary (times, sockets and peaks aside)")
check({k: v for k, v in one["capture"]["reassembly"].items() if k != "peak_bytes"}
      == {k: v for k, v in two["capture"]["reassembly"].items() if k != "peak_bytes"}, "2 threads: the same reassembly limit and overflows")

# Interval snapshots: the packets of flows still open on either socket count in the rules' metrics.
m1, m2 = (open(os.path.join(work, n + ".metrics")).read() for n in ("slow1", "slow2"))
check(m1 == m2 and re.search(r'edgeflow_rule_packets_total\{rule="stun-udp-in"\} [1-9]', m1) is not None,
      "2 threads: the rules' packets and seen gauges after the replay (flows still open) equal 1 thread's")

# 3. The sockets share the SDP book: README's fanout rule (the XOR of the addresses and of the
# ports, times 0x9E3779B1, the top 16 bits, modulo the sockets) puts relay-call-sip.pcap's SIP
# flow and its ChannelData flow on different sockets of 2; every stream still takes the SDP's clock.
def socket_of(a, a_port, b, b_port, n):
    x = int(ipaddress.ip_address(a)) ^ int(ipaddress.ip_address(b)) ^ a_port ^ b_port
    return (((x * 0x9E3779B1) & 0xFFFFFFFF) >> 16) % n


check(socket_of("198.51.100.10", 5060, "203.0.113.20", 5060, 2) != socket_of("198.51.100.10", 50040, "203.0.113.20", 3478, 2),
      "relay-call-sip: the SIP flow and the ChannelData flow are on different sockets of 2")
for threads in (1, 2):
    report, _, _ = load(f"sip{threads}")
    streams = [(f["resp_p"], s) for f in report["flows"] for s in f.get("rtp", [])]
    check(len(streams) == 4 and all(s["codec"] == "opus" and s["clock_source"] == "sdp" for _, s in streams),
          f"relay-call-sip, {threads} thread(s): 4 streams, each opus with the SDP's clock "
          + str([(p, s["ssrc"], s["codec"], s["clock_source"]) for p, s in streams]))

sys.exit(1 if failures else 0)
