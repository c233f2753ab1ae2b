"""Time ``supplyshock calibrate`` stage by stage: wall and CPU seconds of its process tree, and the machine's load.

On a shared machine the wall time of a run says as much about the other processes as about the calibration, so
each stage (from one progress message to the next) is given with the CPU seconds the command and its workers
used in it and the load average over it; with ``--workers K`` a stage's wall time on K otherwise idle cores is
about its CPU seconds / K. Also the peak memory of the whole process tree (summed PSS: pages shared by the forked
workers are counted once) and the largest single process (RSS).

    python benchmarks/calibrate_stages.py --out /tmp/cal-bench              # the documented defaults
    python benchmarks/calibrate_stages.py --out /tmp/cal-bench -- --workers 1 --steps 400

Arguments after ``--`` are passed to ``supplyshock calibrate``. Linux only (reads ``/proc``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HZ = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    try:
        kids = [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return [pid]
    return [pid, *(p for k in kids for p in _tree(k))]


def _cpu(pid: int, reaped: bool) -> float:
    """CPU seconds of ``pid`` (and of its children it has waited for, if ``reaped``)."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    u, s, cu, cs = (int(x) for x in f[11:15])
    return (u + s + (cu + cs if reaped else 0)) / HZ


def _kib(pid: int, key: str, name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="results directory (replaced)")
    ap.add_argument("--interval", type=float, default=0.25, help="seconds between samples")
    ap.add_argument("extra", nargs="*", help="further arguments of supplyshock calibrate (after --)")
    a = ap.parse_args()
    exe = shutil.which("supplyshock") or str(Path(sys.executable).with_name("supplyshock"))
    cmd = [exe, "calibrate", "--out", str(a.out), "--overwrite", *a.extra]
    samples: list[tuple[float, float, float]] = []  # (seconds since start, CPU seconds of the tree, load)
    peak = {"pss": 0, "rss": 0}
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        for line in proc.stderr or ():
            sys.stderr.write(line)
            m = re.match(r"\[\s*[\d.]+ s\] (.*)", line)
            if m:
                lines.append((time.monotonic() - t0, m[1]))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while proc.poll() is None:
        pids = _tree(proc.pid)
        samples.append((time.monotonic() - t0, _cpu(proc.pid, True) + sum(_cpu(p, False) for p in pids[1:]),
                        os.getloadavg()[0]))
        peak["pss"] = max(peak["pss"], sum(_kib(p, "Pss:", "smaps_rollup") for p in pids))
        peak["rss"] = max(peak["rss"], max(_kib(p, "VmRSS:", "status") for p in pids))
        time.sleep(a.interval)
    reader.join()
    end = time.monotonic() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and the workers it waited for
    samples.append((end, usage.ru_utime + usage.ru_stime, os.getloadavg()[0]))

    def cpu_at(t: float) -> float:
        return next((c for s, c, _ in samples if s >= t), samples[-1][1])

    def load(t1: float, t2: float) -> float:
        v = [x for s, _, x in samples if t1 <= s <= t2]
        return sum(v) / len(v) if v else float("nan")

    print(f"{'wall s':>8} {'cpu s':>8} {'load':>5}  stage")
    marks = [(0.0, "start-up (imports, options)"), *lines, (end, "")]
    for (t1, msg), (t2, _) in itertools.pairwise(marks):
        print(f"{t2 - t1:8.1f} {cpu_at(t2) - cpu_at(t1):8.1f} {load(t1, t2):5.1f}  {msg[:90]}")
    print(f"{end:8.1f} {samples[-1][1]:8.1f} {load(0, end):5.1f}  total (exit {proc.returncode}); peak memory: "
          f"{peak['pss'] / 1024:.0f} MiB summed PSS, {peak['rss'] / 1024:.0f} MiB largest process")


if __name__ == "__main__":
    main()
