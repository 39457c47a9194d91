#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium renders `edgeflow analyze --format html`
# and must show the verdict with no console error (a script error, or anything the page's
# Content-Security-Policy refused to fetch); a test script added to a copy of the page clicks
# a column header twice and ticks "violations only", and the order and count it reads back
# must match the JSON report. Then Captures/calls/relay-call.pcap's page must show its call
# (label, every leg, a laid-out SVG timeline per leg). Leaves the screenshots in OUTDIR
# (default /tmp/edgeflow-html).
#   Tests/Live/html_test.sh [EDGEFLOW_BINARY] [CAPTURE] [OUTDIR]
# Needs chromium (Debian package `chromium`) and python3; fails when either is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-.build/release/edgeflow}")
capture=$(realpath "${2:-Captures/edge-sample.pcap}")
outdir=${3:-/tmp/edgeflow-html}
mkdir -p "$outdir"
command -v chromium >/dev/null || { echo "FAIL: chromium is not on PATH: install it (apt-get install -y chromium); .ci/run does" >&2; exit 1; }
work=$(mktemp -d /tmp/edgeflow-html-XXXXXX)
trap 'rm -rf "$work"' EXIT

"$bin" analyze "$capture" --format html --top 1000 --out "$outdir/report.html"
"$bin" analyze "$capture" --format json --out "$work/report.json"

# One run: render for a while of virtual time, print the DOM after the scripts ran. Console
# messages go to stderr with --enable-logging=stderr --v=0.
render() {
    chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
        --user-data-dir="$work/profile" --enable-logging=stderr --v=0 \
        --virtual-time-budget=3000 --window-size=1280,2000 "$@" 2>>"$work/console.log"
}
render --dump-dom "file://$outdir/report.html" >"$work/dom.html"
render --screenshot="$outdir/report.png" "file://$outdir/report.html" >/dev/null

# The page with a test script after its own: sort by IP bytes (ascending, then descending),
# then show violations only.
python3 - "$outdir/report.html" "$work/probe.html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = """<script>
(function(){
var t=document.getElementById("flows"),heads=t.tHead.rows[0].cells,col=-1;
for(var i=0;i<heads.length;i++){if(heads[i].textContent==="IP bytes")col=i;}
function bytes(){return [].map.call(t.tBodies[0].rows,function(r){return parseFloat(r.cells[col].getAttribute("data-v"));});}
function ordered(v,up){return v.every(function(x,i){return i===0||(up?v[i-1]<=x:v[i-1]>=x);});}
heads[col].click();var up=ordered(bytes(),true)&&heads[col].getAttribute("aria-sort")==="ascending";
heads[col].click();var down=ordered(bytes(),false)&&heads[col].getAttribute("aria-sort")==="descending";
var box=document.getElementById("flow-violations");box.checked=true;box.dispatchEvent(new Event("change"));
var visible=[].filter.call(t.tBodies[0].rows,function(r){return !r.hidden;}).length;
document.documentElement.setAttribute("data-probe",[up,down,document.getElementById("flow-shown").textContent,visible].join(" "));
})();
</script>
</body>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe, 1))
PY
render --dump-dom "file://$work/probe.html" >"$work/probe-dom.html"

python3 - "$work/report.json" "$work/dom.html" "$work/probe-dom.html" "$work/console.log" <<'PY'
import json, re, sys, html
report = json.load(open(sys.argv[1]))
dom = open(sys.argv[2], encoding="utf-8").read()
probe = open(sys.argv[3], encoding="utf-8").read()
console = open(sys.argv[4], encoding="utf-8", errors="replace").read()
failures = []
# Console lines: "[...:INFO:CONSOLE(12)] "message", source: file:///... (12)".
errors = [l for l in console.splitlines() if "CONSOLE" in l or "Uncaught" in l or "Content Security Policy" in l or "Refused to" in l]
if errors: failures.append("console messages: " + "\n".join(errors))
if 'data-script="ok"' not in dom: failures.append("the page's script did not finish (no data-script=\"ok\")")
m = re.search(r'<p id="verdict" class="verdict (ok|bad)">Verdict: ([^<]*)</p>', dom)
violations = sum(1 for f in report["flows"] if f["verdict"] == "violation")
if not m: failures.append("no verdict in the rendered page")
elif not html.unescape(m.group(2)).startswith(f"{violations} violation" if violations else "no violations"):
    failures.append(f"verdict {m.group(2)!r} does not say the JSON's {violations} violations")
for rule in report["rules"]:
    if f'data-rule="{rule["id"]}"' not in dom: failures.append(f"rule {rule['id']} missing")
rows = len(re.findall(r'<tr id="f-', dom))
if rows != len(report["flows"]): failures.append(f"{rows} flow rows, the JSON has {len(report['flows'])} flows")
p = re.search(r'data-probe="([^"]*)"', probe)
want = f"true true {violations} {violations}"
if not p or p.group(1) != want: failures.append(f"sorting/filtering probe says {p.group(1) if p else None!r}, expected {want!r}")
if failures:
    print("FAIL:\n" + "\n".join(failures)); sys.exit(1)
print(f"ok: verdict {html.unescape(m.group(2))!r}, 6 rules, {rows} flows, sort and filter work, no console errors")
PY
[ -s "$outdir/report.png" ] || { echo "FAIL: no screenshot" >&2; exit 1; }
echo "screenshot: $outdir/report.png"

# The Calls section: Captures/calls/relay-call.pcap's call, rendered with no console message,
# shows the JSON's call label and every leg of each stream (its flow uid), with an SVG
# timeline per leg that the browser laid out (a probe reads their sizes).
calls=Captures/calls/relay-call.pcap
"$bin" analyze "$calls" --format html --out "$outdir/calls.html"
"$bin" analyze "$calls" --format json --out "$work/calls.json"
: >"$work/console.log"
sed 's|</body>|<script>document.documentElement.setAttribute("data-svg",[].filter.call(document.querySelectorAll("#calls ~ section.call svg.timeline"),function(s){var r=s.getBoundingClientRect();return r.width>100\&\&r.height>20;}).length);</script></body>|' \
    "$outdir/calls.html" >"$work/calls-probe.html"
render --dump-dom "file://$work/calls-probe.html" >"$work/calls-dom.html"
render --screenshot="$outdir/calls.png" "file://$outdir/calls.html#calls" >/dev/null
python3 - "$work/calls.json" "$work/calls-dom.html" "$work/console.log" <<'PY'
import json, re, sys
calls = json.load(open(sys.argv[1]))["calls"]
dom = open(sys.argv[2], encoding="utf-8").read()
console = [l for l in open(sys.argv[3], errors="replace").read().splitlines() if "CONSOLE" in l or "Uncaught" in l or "Refused to" in l]
failures = ["console messages: " + "\n".join(console)] if console else []
if not calls: failures.append("the JSON report has no call")
legs = 0
for c in calls:
    m = re.search(r'<section class="call" id="call-%s">(.*?)</section>' % re.escape(c["id"]), dom, re.S)
    if not m: failures.append(f"call {c['id']} not shown"); continue
    if f'<span class="s-{c["label"]}">{c["label"]}</span></h3>' not in m.group(1): failures.append(f"call {c['id']}: label {c['label']} not shown")
    for s in c["streams"]:
        for l in s["legs"]:
            legs += 1
            if f'>{l["uid"]}</a></td>' not in m.group(1): failures.append(f"call {c['id']} stream {s['ssrc']}: leg {l['uid']} not shown")
svg = re.search(r'data-svg="(\d+)"', dom)
if not svg or int(svg.group(1)) != legs: failures.append(f"{svg.group(1) if svg else 'no'} SVG timelines laid out, {legs} legs")
if failures: print("FAIL:\n" + "\n".join(failures)); sys.exit(1)
print(f"ok: {len(calls)} call(s), {legs} legs, each with its SVG timeline, no console errors")
PY
[ -s "$outdir/calls.png" ] || { echo "FAIL: no screenshot of the calls page" >&2; exit 1; }
echo "screenshot: $outdir/calls.png"
