"""Free TCP ports for servers a test starts (S3, DDP rendezvous).

A fixed port makes two test runs on one machine collide, and a random one can land on a port in
use. The kernel knows which are free: bind port 0, read what it picked, close. Another process
could take it in the instant before our server binds, so callers treat "address in use" from
their server as a retryable start failure, not as a test failure.
"""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` that was free a moment ago: bind port 0, read the kernel's pick, close."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """n distinct free ports, all held open until every one is chosen (so none repeats)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
