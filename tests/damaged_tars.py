"""Damaged tar files of every kind a reader of shards meets, for the tests of each reader.

Each is made from a valid archive: cut short inside a member (plain) or before the end of the
stream (gzip), a byte flipped in the gzip header and inside the xz and bz2 streams, and bytes
that were never a tar. Two damages tarfile does not see at all, so no reader can name them from
what tarfile raises: a plain tar cut at a member boundary reads as a shorter archive, and a byte
flipped inside a gzip stream's data reads as other data, the CRC being checked only at a stream
end tarfile never reaches (tests/test_io.py holds both as strict xfails). Which exception each raises differs
(TarError, EOFError, zlib.error, LZMAError, OSError); quiltkit.io.TAR_READ_ERRORS is what every
reader catches, so each test asserts the reader names the file instead of raising any of them.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    """The archive's bytes, the same on every call: gzip's header would carry the time of writing
    (tarfile's w:gz), so a byte flipped at one offset would land elsewhere from run to run."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w" if mode == "w:gz" else mode) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0) if mode == "w:gz" else buf.getvalue()


def flip(b: bytes, at: float = 0.5) -> bytes:
    """b with one byte inverted: at a share of its length (a float) or at an offset (an int)."""
    i = at if isinstance(at, int) else int(len(b) * at)
    return b[:i] + bytes([b[i] ^ 0xFF]) + b[i + 1 :]


def damaged_tars(members: dict[str, bytes]) -> dict[str, bytes]:
    """{kind: bytes} of damaged archives holding (or having held) `members`."""
    plain = tar_bytes(members)
    return {
        "truncated": plain[: 512 * 9 + 100],  # inside the fourth member's data
        "gzip_truncated": tar_bytes(members, "w:gz")[:-40],
        "gzip_header_flipped": flip(tar_bytes(members, "w:gz"), 3),  # the flags byte: reserved bits set
        "xz_flipped": flip(tar_bytes(members, "w:xz")),
        "bz2_flipped": flip(tar_bytes(members, "w:bz2")),
        "not_a_tar": b"this was never a tar archive\n" * 40,
    }


def write_damaged(folder: Path, members: dict[str, bytes], name: str = "{kind}.tar") -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for kind, data in damaged_tars(members).items():
        p = folder / name.format(kind=kind)
        p.write_bytes(data)
        out[kind] = p
    return out
