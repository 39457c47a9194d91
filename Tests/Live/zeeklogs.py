"""What the Zeek log tests share: failures collected by check(), logs read by parsezeeklogs
with no line skipped, and the verdict printed by finish()."""
import sys
from parsezeeklogs import ZeekLog

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def read(path):
    """The records of the Zeek log at path, and the reader (its path and fields)."""
    with ZeekLog(path) as log:
        records = list(log)
        check(log.skipped == 0, f"{path}: {log.skipped} lines skipped by the reader")
        return records, log


def finish(passed):
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("PASS: " + passed)
