"""Counting what a reader reads from disk, for the "no byte read twice" checks."""


def bytes_read(fn) -> int:
    """Bytes this process read through read() syscalls while fn ran (Linux /proc/self/io rchar:
    page-cache hits count too, which is the point: a second read of a cached file still costs)."""
    def rchar() -> int:
        with open("/proc/self/io") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("rchar"))
    before = rchar()
    fn()
    return rchar() - before
