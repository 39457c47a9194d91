#!/usr/bin/env python3
"""Differential check of edgeflow's flow table against tshark.

    python3 Tests/Differential/compare_tshark.py --edgeflow PATH_TO_BINARY
            [--reader mmap|libpcap] [--expect-diff FILE=REASON]... [--allowlist PATH]
            [--summary] [--tshark PATH] [--tshark-opt PREF=VALUE]... [--max-list N]
            [--timeout SECONDS] FILE...

For every capture FILE:

  edgeflow  `BIN analyze FILE --format json [--reader R]`, reading
            capture.packets and flows[] {proto, orig_h, orig_p, resp_h, resp_p,
            orig_pkts, resp_pkts};
  tshark    `tshark -n -r FILE -qz io,stat,0` for the frame count, and one
            `tshark -n -r FILE -T fields` pass for the TCP/UDP 5-tuples.

and compares
  1. the total packet count (edgeflow's records read vs tshark's frames);
  2. the set of (proto, unordered endpoint pair) keys of TCP and UDP flows;
  3. per key, the total packet count (edgeflow flows with the same key are
     summed, so TCP port reuse splitting one key into several flows is fine).

How tshark's side is counted (the same rule as tshark's own conv,tcp/conv,udp
tables, but without their IPv6 "addr:port" ambiguity): a frame belongs to a
TCP/UDP 5-tuple when the FIRST transport-level protocol in frame.protocols is
tcp or udp; its addresses come from the IP/IPv6 layer right before it.  So:
  * TCP/UDP headers quoted inside ICMP/ICMPv6 errors do not count (the frame's
    first transport is icmp);
  * the tunnels edgeflow opens (GRE carrying IP or Ethernet, ERSPAN, VXLAN) count
    as their innermost TCP/UDP packet; other tunnels count only if the outer
    transport is TCP/UDP (Teredo -> the outer UDP 5-tuple);
  * IP fragments: with tshark's default reassembly the datagram counts once,
    in the frame that completes it; the other fragments count for no 5-tuple.
    `--tshark-opt ip.defragment=FALSE` makes the first fragment count instead.
  * a frame whose TCP header is cut short by the snap length still counts when
    its ports are readable (tshark's conv,tcp leaves it out: on
    zeek-truncated-header.pcap conv,tcp says 23 frames, this script 24).
Addresses on both sides are compared as ipaddress objects (RFC 5952 text is
not required to match byte for byte, scope ids are dropped).

Known, explained deviations: `--expect-diff FILE=REASON` (FILE = path or base
name; repeatable) or `--allowlist PATH` with lines `FILE REASON...` (.txt, '#'
comments) or JSON ({"FILE": "REASON"} or [{"file":..., "reason":...,
"kinds": ["total","missing","extra","count","error"]}]; kinds default to all).
A file whose differences are all of allowed kinds passes as "expected
difference"; if an expected difference no longer happens, the report says so
(`--strict-expect` turns that into a failure, to keep the allowlist honest).

Output: a report per file (or one line per file with --summary), then a final
line `N passed, M failed`.  Exit status 1 if any file failed, 2 on usage errors.
Only the Python 3 standard library is used.
"""

import argparse
import collections
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys

KINDS = ("total", "missing", "extra", "count", "error")

# transport-level protocol names as they appear in tshark's frame.protocols
TRANSPORTS = frozenset((
    "tcp", "udp", "icmp", "icmpv6", "sctp", "udplite", "dccp", "gre", "esp", "ah", "igmp", "pim", "ospf",
    "vrrp", "carp", "l2tp", "etherip", "ipcomp", "mobileip", "rsvp", "egp", "eigrp", "ipx",
))
NET_LAYERS = ("ip", "ipv6")


# --------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------

def norm_ip(text):
    """ipaddress object for an address string ('%scope' dropped, brackets allowed)."""
    t = str(text).strip().strip("[]")
    if "%" in t:
        t = t.split("%", 1)[0]
    return ipaddress.ip_address(t)


def flow_key(proto, a, ap, b, bp):
    """(proto, (ep1, ep2)) with the two endpoints in a canonical order."""
    e1 = (norm_ip(a), int(ap))
    e2 = (norm_ip(b), int(bp))
    k1 = (e1[0].version, e1[0].packed, e1[1])
    k2 = (e2[0].version, e2[0].packed, e2[1])
    return (proto, (e1, e2) if k1 <= k2 else (e2, e1))


def fmt_ep(ep):
    ip, port = ep
    return ("[%s]:%d" % (ip, port)) if ip.version == 6 else ("%s:%d" % (ip, port))


def fmt_key(key):
    proto, (e1, e2) = key
    return "%s %s <-> %s" % (proto, fmt_ep(e1), fmt_ep(e2))


# --------------------------------------------------------------------------
# tshark side
# --------------------------------------------------------------------------

class ToolError(Exception):
    pass


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except FileNotFoundError:
        raise ToolError("cannot run %s: not found" % cmd[0])
    except subprocess.TimeoutExpired:
        raise ToolError("timed out after %ss: %s" % (timeout, " ".join(cmd)))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


_IOSTAT_ROW = re.compile(r"^\|\s*[0-9.]+\s*<>\s*(?:[0-9.]+|Dur)\s*\|\s*(\d+)\s*\|")


def parse_io_stat(text):
    """Frame count from `tshark -qz io,stat,0` output (0 when the table has no row)."""
    saw_table = False
    total = 0
    for line in text.splitlines():
        if "IO Statistics" in line:
            saw_table = True
        m = _IOSTAT_ROW.match(line.strip())
        if m:
            total += int(m.group(1))
    if not saw_table:
        raise ToolError("no IO Statistics table in tshark output")
    return total


def tshark_messages(stderr):
    msgs = []
    for line in stderr.splitlines():
        line = line.strip()
        if not line or line.startswith("Running as user"):
            continue
        msgs.append(line)
    return msgs


def tshark_frame_count(tshark, path, opts, timeout):
    rc, out, err = run([tshark, "-n", "-r", path] + opts + ["-qz", "io,stat,0"], timeout)
    try:
        return parse_io_stat(out), tshark_messages(err)
    except ToolError as e:
        raise ToolError("tshark io,stat failed (exit %d): %s %s" % (rc, e, " | ".join(tshark_messages(err))))


FIELDS = ("frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport")


def classify_frame(cols):
    """(proto, src, sport, dst, dport) or None for a -T fields line split into FIELDS."""
    if len(cols) < len(FIELDS):
        cols = cols + [""] * (len(FIELDS) - len(cols))
    layers = cols[0].split(":")
    n_ip = n_ip6 = 0
    last_net = None
    # edgeflow opens GRE (carrying IP or Ethernet), ERSPAN and VXLAN and counts the inner
    # packet: transports before the innermost such tunnel do not count.
    inner_from = 0
    for i, layer in enumerate(layers[:-1]):
        if layer in ("gre", "vxlan", "erspan") and layers[i + 1] in ("ip", "ipv6", "eth", "erspan"):
            inner_from = i + 1
    seen = collections.Counter()  # occurrences of each layer so far (fields aggregate them all)
    for i, layer in enumerate(layers):
        seen[layer] += 1
        if i < inner_from and layer not in ("ip", "ipv6"):
            continue
        if layer == "ip":
            n_ip += 1
            last_net = "ip"
        elif layer == "ipv6":
            n_ip6 += 1
            last_net = "ipv6"
        elif layer in TRANSPORTS:
            if layer not in ("tcp", "udp") or last_net is None:
                return None
            if last_net == "ip":
                srcs, dsts, idx = cols[1], cols[2], n_ip - 1
            else:
                srcs, dsts, idx = cols[3], cols[4], n_ip6 - 1
            sp, dp = (cols[5], cols[6]) if layer == "tcp" else (cols[7], cols[8])
            try:
                src = srcs.split(",")[idx]
                dst = dsts.split(",")[idx]
                sport = int(sp.split(",")[seen[layer] - 1])
                dport = int(dp.split(",")[seen[layer] - 1])
            except (IndexError, ValueError):
                return ("?", None, None, None, None)     # transport present, header unreadable
            return (layer, src, sport, dst, dport)
    return None


def tshark_tuples(tshark, path, opts, timeout):
    cmd = [tshark, "-n", "-r", path] + opts + ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
                                             "-E", "aggregator=,", "-E", "quote=n"]
    for f in FIELDS:
        cmd += ["-e", f]
    rc, out, err = run(cmd, timeout)
    counts = collections.Counter()
    frames = unreadable = 0
    for line in out.splitlines():
        if not line:
            continue
        frames += 1
        r = classify_frame(line.split("\t"))
        if r is None:
            continue
        if r[0] == "?":
            unreadable += 1
            continue
        proto, src, sport, dst, dport = r
        try:
            counts[flow_key(proto, src, sport, dst, dport)] += 1
        except ValueError:
            unreadable += 1
    if rc != 0 and frames == 0:
        raise ToolError("tshark -T fields failed (exit %d): %s" % (rc, " | ".join(tshark_messages(err))))
    return counts, frames, unreadable


# --------------------------------------------------------------------------
# edgeflow side
# --------------------------------------------------------------------------

def edgeflow_report(binary, path, reader, timeout):
    cmd = [binary, "analyze", path, "--format", "json"]
    if reader:
        cmd += ["--reader", reader]
    rc, out, err = run(cmd, timeout)
    # Exit 2 with "nothing could be analysed" still writes the (empty) report: compare it.
    if rc != 0 and not (rc == 2 and "nothing could be analysed" in err):
        raise ToolError("edgeflow exited %d: %s" % (rc, err.strip().splitlines()[-1] if err.strip() else "(no stderr)"))
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise ToolError("edgeflow output is not JSON: %s" % e)
    try:
        packets = int(doc["capture"]["packets"])
        flows = doc["flows"]
    except (KeyError, TypeError, ValueError) as e:
        raise ToolError("edgeflow JSON lacks capture.packets or flows: %r" % (e,))
    counts = collections.Counter()
    nflows = collections.Counter()
    other = 0
    for fl in flows:
        proto = str(fl.get("proto", "")).lower()
        if proto not in ("tcp", "udp"):
            other += 1
            continue
        try:
            key = flow_key(proto, fl["orig_h"], fl["orig_p"], fl["resp_h"], fl["resp_p"])
            n = int(fl.get("orig_pkts", 0)) + int(fl.get("resp_pkts", 0))
        except (KeyError, TypeError, ValueError) as e:
            raise ToolError("bad flow object %r: %r" % (fl, e))
        counts[key] += n
        nflows[key] += 1
    return packets, counts, nflows, other


# --------------------------------------------------------------------------
# allowlist
# --------------------------------------------------------------------------

class Expectation:
    def __init__(self, reason, kinds=None, source=""):
        self.reason = reason
        self.kinds = frozenset(kinds or KINDS)
        bad = self.kinds - frozenset(KINDS)
        if bad:
            raise ValueError("unknown difference kind(s) %s (known: %s)" % (", ".join(sorted(bad)), ", ".join(KINDS)))
        self.source = source


def load_allowlist(path):
    out = {}
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if path.endswith(".json"):
        doc = json.loads(text)
        if isinstance(doc, dict):
            for f, v in doc.items():
                if isinstance(v, dict):
                    out[f] = Expectation(v.get("reason", ""), v.get("kinds"), path)
                else:
                    out[f] = Expectation(str(v), None, path)
        elif isinstance(doc, list):
            for e in doc:
                out[e["file"]] = Expectation(e.get("reason", ""), e.get("kinds"), path)
        else:
            raise ValueError("%s: expected an object or a list" % path)
        return out
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" in line.split(None, 1)[0]:
            f, reason = line.split("=", 1)
        else:
            parts = line.split(None, 1)
            f, reason = parts[0], (parts[1] if len(parts) > 1 else "")
        if not reason.strip():
            raise ValueError("%s:%d: an allowlist entry needs a reason" % (path, n))
        out[f.strip()] = Expectation(reason.strip(), None, "%s:%d" % (path, n))
    return out


def find_expectation(expect, path):
    for k in (path, os.path.normpath(path), os.path.basename(path)):
        if k in expect:
            return expect[k]
    return None


# --------------------------------------------------------------------------
# comparison
# --------------------------------------------------------------------------

class Result:
    def __init__(self, path):
        self.path = path
        self.lines = []
        self.kinds = set()
        self.error = None
        self.summary = ""
        self.ok = False
        self.note = ""


def compare_file(args, path, expect):
    res = Result(path)
    L = res.lines
    if not os.path.exists(path):
        res.error = "no such file"
        res.kinds.add("error")
    else:
        try:
            e_packets, e_counts, e_nflows, e_other = edgeflow_report(args.edgeflow, path, args.reader, args.timeout)
        except ToolError as e:
            res.error = "edgeflow: %s" % e
            res.kinds.add("error")
        if res.error is None:
            try:
                t_packets, t_msgs = tshark_frame_count(args.tshark, path, args.topts, args.timeout)
                t_counts, t_lines, t_unread = tshark_tuples(args.tshark, path, args.topts, args.timeout)
            except ToolError as e:
                res.error = "tshark: %s" % e
                res.kinds.add("error")
    if res.error is None:
        for m in t_msgs:
            L.append("  tshark says: %s" % m)
        if t_lines != t_packets:
            L.append("  note: tshark io,stat counted %d frames, the fields pass %d" % (t_packets, t_lines))
        if t_unread:
            L.append("  note: %d tshark frame(s) with an unreadable TCP/UDP header were left out" % t_unread)
        if e_other:
            L.append("  note: %d edgeflow flow(s) with proto other than tcp/udp not compared" % e_other)
        if e_packets != t_packets:
            res.kinds.add("total")
            L.append("  total packets: edgeflow %d, tshark %d (diff %+d)" % (e_packets, t_packets, e_packets - t_packets))
        ek, tk = set(e_counts), set(t_counts)
        missing = sorted(tk - ek, key=lambda k: (-t_counts[k], fmt_key(k)))
        extra = sorted(ek - tk, key=lambda k: (-e_counts[k], fmt_key(k)))
        common = ek & tk
        mism = sorted((k for k in common if e_counts[k] != t_counts[k]),
                      key=lambda k: (-abs(e_counts[k] - t_counts[k]), fmt_key(k)))
        lim = args.max_list

        def listing(title, keys, fmt):
            if not keys:
                return
            L.append("  %s: %d" % (title, len(keys)))
            for k in keys[:lim] if lim > 0 else keys:
                L.append("    " + fmt(k))
            if 0 < lim < len(keys):
                L.append("    ... %d more (use --max-list 0 to see all)" % (len(keys) - lim))

        if missing:
            res.kinds.add("missing")
        if extra:
            res.kinds.add("extra")
        if mism:
            res.kinds.add("count")
        listing("5-tuples only tshark has", missing, lambda k: "%s  tshark %d pkts" % (fmt_key(k), t_counts[k]))
        listing("5-tuples only edgeflow has", extra,
                lambda k: "%s  edgeflow %d pkts in %d flow(s)" % (fmt_key(k), e_counts[k], e_nflows[k]))
        listing("packet count differs", mism,
                lambda k: "%s  edgeflow %d (%d flow(s)), tshark %d (diff %+d)" % (
                    fmt_key(k), e_counts[k], e_nflows[k], t_counts[k], e_counts[k] - t_counts[k]))
        agree = len(common) - len(mism)
        union = len(ek | tk)
        res.summary = "packets %d/%d, 5-tuples %d edgeflow / %d tshark / %d common, counts agree %d/%d (%.1f%%)" % (
            e_packets, t_packets, len(ek), len(tk), len(common), agree, union, 100.0 * agree / union if union else 100.0)
    else:
        res.summary = res.error
        L.append("  ERROR: %s" % res.error)

    exp = find_expectation(expect, path)
    if not res.kinds:
        res.ok = True
        res.note = "agree"
        if exp is not None:
            res.note = "agree (expected difference did not happen: %s)" % exp.reason
            if args.strict_expect:
                res.ok = False
                res.note += " [--strict-expect]"
    elif exp is not None and res.kinds <= exp.kinds:
        res.ok = True
        res.note = "expected difference (%s): %s" % (", ".join(sorted(res.kinds)), exp.reason)
    else:
        res.ok = False
        res.note = "DIFFERENT (%s)" % ", ".join(sorted(res.kinds))
        if exp is not None:
            res.note += "; allowlisted only for %s: %s" % (", ".join(sorted(exp.kinds)), exp.reason)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Compare edgeflow's flow table with tshark's for each capture file.",
        epilog="Final line: 'N passed, M failed'. Exit 1 if any file failed.")
    ap.add_argument("--edgeflow", required=True, help="path to the edgeflow binary")
    ap.add_argument("--reader", choices=("mmap", "libpcap"), help="passed to edgeflow as --reader (default: not passed)")
    ap.add_argument("--tshark", default=os.environ.get("TSHARK", "tshark"), help="tshark binary (default: $TSHARK or tshark)")
    ap.add_argument("--tshark-opt", action="append", default=[], metavar="PREF=VALUE",
                    help="tshark preference, e.g. ip.defragment=FALSE (repeatable)")
    ap.add_argument("--expect-diff", action="append", default=[], metavar="FILE=REASON",
                    help="known, explained difference for FILE (path or base name); repeatable")
    ap.add_argument("--allowlist", action="append", default=[], metavar="PATH",
                    help=".txt ('FILE REASON' lines) or .json allowlist of known differences")
    ap.add_argument("--strict-expect", action="store_true", help="fail files whose expected difference no longer occurs")
    ap.add_argument("--summary", action="store_true", help="one line per file instead of the full report")
    ap.add_argument("--max-list", type=int, default=20, help="list at most N entries per difference kind (0 = all)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per tool run (default 1800)")
    ap.add_argument("files", nargs="+", metavar="FILE")
    args = ap.parse_args(argv)

    if shutil.which(args.tshark) is None and not os.path.exists(args.tshark):
        ap.error("tshark not found: %s" % args.tshark)
    if shutil.which(args.edgeflow) is None and not os.path.exists(args.edgeflow):
        ap.error("edgeflow binary not found: %s" % args.edgeflow)
    args.topts = []
    for o in args.tshark_opt:
        if "=" in o and ":" not in o.split("=", 1)[0]:
            o = o.replace("=", ":", 1)
        args.topts += ["-o", o]

    expect = {}
    try:
        for p in args.allowlist:
            expect.update(load_allowlist(p))
        for e in args.expect_diff:
            if "=" not in e:
                ap.error("--expect-diff needs FILE=REASON, got %r" % e)
            f, reason = e.split("=", 1)
            if not reason.strip():
                ap.error("--expect-diff %s: the reason must not be empty" % f)
            expect[f.strip()] = Expectation(reason.strip(), None, "--expect-diff")
    except (OSError, ValueError, KeyError) as e:
        ap.error("allowlist: %s" % e)

    passed = failed = 0
    for path in args.files:
        res = compare_file(args, path, expect)
        if res.ok:
            passed += 1
        else:
            failed += 1
        status = "PASS" if res.ok else "FAIL"
        if args.summary:
            print("%s %s: %s; %s" % (status, path, res.summary, res.note))
        else:
            print("== %s %s" % (status, path))
            print("  %s" % res.summary)
            for line in res.lines:
                print(line)
            print("  => %s" % res.note)
            print()
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
