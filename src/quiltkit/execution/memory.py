"""Peak memory of this process, measured the way that survives fork + exec.

Why not the parent's os.wait4 / RUSAGE_CHILDREN ru_maxrss: Linux folds the high-water mark of
the memory image a child had *before* exec into its rusage, and right after fork that image is
the parent's (shared copy-on-write). A benchmark child started from a 2.6 GB pytest process then
reports 2.6 GB whatever it does. VmHWM in /proc/self/status belongs to the current image only.
"""
from __future__ import annotations

from pathlib import Path


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status (not Linux?)")
