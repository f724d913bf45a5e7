"""The read counter behind the "every byte read once" checks counts what was read, and twice
when a file is read twice (page cache or not)."""

import os

from quiltkit.execution.disk_reads import bytes_read


def test_counts_each_read_of_a_file(tmp_path):
    p = tmp_path / "blob.bin"
    p.write_bytes(os.urandom(200_000))
    once = bytes_read(p.read_bytes)
    twice = bytes_read(lambda: (p.read_bytes(), p.read_bytes()))
    assert 200_000 <= once < 200_000 + 4096  # the file, plus the counter's own look at /proc
    assert 400_000 <= twice < 400_000 + 4096
    assert bytes_read(lambda: None) < 4096
