"""DVC push/pull against a real S3 server (SeaweedFS on 127.0.0.1), credentials kept out of git."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.s3_server import ACCESS_KEY, BUCKET, SECRET_KEY, seaweed_s3

BIN = Path(sys.executable).parent


def _dvc(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "dvc"), *args], cwd=repo, capture_output=True, text=True, env=env, timeout=300)


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = f"{BIN}:{env['PATH']}"
    env.update(extra)
    return env


@pytest.fixture
def repo(tmp_path):
    r = tmp_path / "repo"
    r.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=r, check=True)
    assert _dvc(r, "init", "-q").returncode == 0
    (r / "data").mkdir()
    (r / "data" / "videos.csv").write_text("video_id,url\nv1,https://example.invalid/v1\n")
    (r / "data" / "blob.bin").write_bytes(os.urandom(300_000))
    assert _dvc(r, "add", "data").returncode == 0
    return r


@pytest.mark.timeout(300)
def test_push_pull_with_local_credentials(repo, tmp_path):
    with seaweed_s3(tmp_path / "weed") as endpoint:
        env = _env()
        assert _dvc(repo, "remote", "add", "-d", "store", f"s3://{BUCKET}/dvcstore", env=env).returncode == 0
        assert _dvc(repo, "remote", "modify", "store", "endpointurl", endpoint, env=env).returncode == 0
        # Secrets go to .dvc/config.local, which DVC keeps out of git.
        for k, v in (("access_key_id", ACCESS_KEY), ("secret_access_key", SECRET_KEY)):
            assert _dvc(repo, "remote", "modify", "--local", "store", k, v, env=env).returncode == 0
        res = _dvc(repo, "push", env=env)
        assert res.returncode == 0, res.stderr
        original = (repo / "data" / "blob.bin").read_bytes()

        shutil.rmtree(repo / "data")
        shutil.rmtree(repo / ".dvc" / "cache")
        res = _dvc(repo, "pull", env=env)
        assert res.returncode == 0, res.stderr
        assert (repo / "data" / "blob.bin").read_bytes() == original

        tracked = subprocess.run(
            ["git", "status", "--porcelain", "--ignored"], cwd=repo, capture_output=True, text=True
        ).stdout
        assert ".dvc/config.local" in tracked and "!! .dvc/config.local" in tracked  # ignored, never committed
        assert SECRET_KEY not in (repo / ".dvc" / "config").read_text()


@pytest.mark.timeout(300)
def test_credentials_from_environment_and_wrong_ones_fail_clearly(repo, tmp_path):
    with seaweed_s3(tmp_path / "weed") as endpoint:
        assert _dvc(repo, "remote", "add", "-d", "store", f"s3://{BUCKET}/envstore").returncode == 0
        assert _dvc(repo, "remote", "modify", "store", "endpointurl", endpoint).returncode == 0
        good = _env(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        res = _dvc(repo, "push", env=good)
        assert res.returncode == 0, res.stderr

        bad = _env(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY="wrong-secret")
        (repo / "data" / "new.txt").write_text("new content\n")
        assert _dvc(repo, "add", "data").returncode == 0
        res = _dvc(repo, "push", env=bad)
        assert res.returncode != 0
        out = (res.stdout + res.stderr).lower()
        assert "403" in out and "forbidden" in out, out[-2000:]
        assert "wrong-secret" not in out
