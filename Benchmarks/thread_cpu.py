#!/usr/bin/env python3
"""Each thread's CPU time in a sharded run, measured (not counted, as thread_balance.sh does).

    python3 Benchmarks/thread_cpu.py BIN CAPTURE THREADS [ROUNDS]      (default ROUNDS: 3)

Runs `BIN analyze CAPTURE --threads THREADS --format json --quiet --out /dev/null` ROUNDS times and
reads every thread's user + system time from /proc/PID/task/*/stat every few milliseconds until the
run ends (resolution: a clock tick, 10 ms). Prints per run the wall time and each thread's CPU in
the order the threads were made (calling thread, report writer, flow workers, the threads that end
each table), and the calling thread's CPU at the moment the last worker stopped: the reading phase,
whose busiest thread bounds the wall time, apart from the end of input. Unlike wall time, a
thread's CPU time hardly changes when other processes load the machine, so this compares splits of
the work (`ShardRouting.owners`) on a busy machine. Linux only.
"""
import glob, os, subprocess, sys, time

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    out = {}
    for d in glob.glob("/proc/%d/task/*" % pid):
        try:
            s = open(d + "/stat").read()
        except OSError:
            continue
        f = s[s.rindex(")") + 2:].split()
        out[int(d.rsplit("/", 1)[1])] = (int(f[11]) + int(f[12])) / TICK
    return out


def run(binary, capture, threads):
    p = subprocess.Popen([binary, "analyze", capture, "--threads", str(threads), "--format", "json", "--quiet", "--out", "/dev/null"])
    start, series = time.time(), []
    while p.poll() is None:
        series.append(cpu(p.pid))
        time.sleep(0.002)
    wall = time.time() - start
    if p.returncode != 0:
        sys.exit("%s failed (exit %d)" % (binary, p.returncode))
    tids = sorted({t for s in series for t in s})
    final = {t: max(s.get(t, 0) for s in series) for t in tids}
    workers = tids[2:1 + threads]
    # The first sample where every worker had reached its final CPU time.
    done = next((s for s in series if all(s.get(w, -1) >= final[w] for w in workers)), series[-1])
    return wall, [final[t] for t in tids], done.get(tids[0], 0)


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: thread_cpu.py BIN CAPTURE THREADS [ROUNDS]")
    binary, capture, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    for _ in range(rounds):
        wall, each, reading = run(binary, capture, threads)
        shown = " ".join("%.2f" % c for c in each if c > 0.005)
        print("wall %.2f s, CPU %.2f s: threads %s; calling thread by the workers' end %.2f" % (wall, sum(each), shown, reading))


main()
