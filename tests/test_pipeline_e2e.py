"""End to end: the whole DVC pipeline on a tiny demo corpus, in a fresh copy of the repository.

This is the one test that runs every stage for real (espeak narration, yt-dlp on file:// URLs,
faster-whisper, PySceneDetect, medspaCy, open_clip + Lightning, evaluation) and checks that the
pipeline's contract holds: every stage writes its metrics, `dvc status` is clean afterwards, and
every stage run is in the one MLflow store.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

TINY = {
    "demo": {
        "n_videos": 2,
        "video_seconds": 40.0,
        "eval_patches_per_class": 10,
        "retrieval_pairs": 12,
        "external_pairs": 80,
        "classifier_frames_per_class": 24,
    },
    "holdout": {"n_videos": 1, "video_seconds": 40.0},
    "train": {"epochs": 2, "batch_size": 32},
    # the rebuilt Quilt-1M rows merged into training, the path a real release takes
    "dataset": {"include_release": True},
    "evaluate": {"linear_probe_seeds": [0], "linear_probe_fractions": [1.0]},
}


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base.get(k, {}), v) if isinstance(v, dict) else v
    return out


def _copy_repo(dst: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file():
            (dst / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / f.decode())
    shutil.copytree(ROOT / "data" / "raw", dst / "data" / "raw")  # tracked by data.dvc, restored by bootstrap


def _run(cmd: list[str], cwd: Path, env: dict, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _hashes(*dirs: Path) -> dict:
    import hashlib

    return {
        str(f): hashlib.sha256(f.read_bytes()).hexdigest()
        for d in dirs
        for f in sorted(d.rglob("*"))
        if f.is_file() and ".fingerprints" not in f.parts and f.suffix not in (".db", ".lock")
    }


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_demo_pipeline_end_to_end(tmp_path):
    if not (ROOT / "data" / "raw").exists():
        pytest.fail("data/raw is missing: run `bash scripts/bootstrap.sh` (it extracts the package images)")
    repo = tmp_path / "repo"
    repo.mkdir()
    _copy_repo(repo)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    (repo / "params.yaml").write_text(yaml.safe_dump(_merge(params, TINY), sort_keys=False))
    for p in (repo / "metrics").glob("*.json"):
        p.unlink()  # the copy must produce its own metrics

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "QUILTKIT_", "DVC_"))}
    env.update(PATH=f"{Path(sys.executable).parent}:{env['PATH']}", PYTHONPATH=str(repo / "src"), HF_HUB_OFFLINE="1")
    for cmd in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "copy"],
    ):
        subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True)

    res = _run(["dvc", "repro"], repo, env, timeout=1400)
    assert res.returncode == 0, f"dvc repro failed:\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}"

    # the main pipeline and the demo corpora's own (demo/dvc.yaml), which it pulls in through params
    stages = {
        **yaml.safe_load((repo / "demo" / "dvc.yaml").read_text())["stages"],
        **yaml.safe_load((repo / "dvc.yaml").read_text())["stages"],
    }
    for name, stage in stages.items():
        files = [next(iter(m)) if isinstance(m, dict) else m for m in stage.get("metrics", [])]
        assert files, f"stage {name} declares no metrics file"
        for f in files:
            assert (repo / f).exists(), f"stage {name} wrote no {f}"

    status = _run(["dvc", "status"], repo, env, timeout=120)
    assert status.returncode == 0 and "up to date" in status.stdout.lower(), status.stdout

    # the fixture release: every name of a downloadable video rebuilt under its own image, the
    # gone video's rows counted, and the rebuilt rows in the trained dataset

    release = json.loads((repo / "metrics" / "release.json").read_text())
    assert release["names"] > release["rebuilt"] > 0 and release["rebuilt_fraction_of_available"] == 1.0
    assert release["name_mismatches"] == 0 and release["videos_gone"] == {"unavailable": 1}
    assert sum(release["rows_lost"].values()) > 0 and release["rows_rebuilt"] > 0
    per_source = json.loads((repo / "metrics" / "dataset.json").read_text())["rows_per_source_split"]
    assert sum(per_source["quilt_release"].values()) > 0

    # Bad input stops dvc repro at params_check, before DVC removes any stage's outputs, naming
    # the key or file: a bad value (as `dvc exp run -S train.lr=abc` writes it), a video list
    # without its url column, an eval set that is not there. Every file is as it was, dvc.lock
    # too (params restored, nothing is out of date), and the stage's MLflow run ends FAILED.
    kept = _hashes(repo / "outputs", repo / "metrics")
    good = (repo / "params.yaml").read_text()
    lock = (repo / "dvc.lock").read_text()
    (repo / "data" / "no_url.csv").write_text("video_id,title\nlecture_1,My lecture\n")
    bad_inputs = {  # what breaks -> (params change, what the error must name)
        "bad param value": ({"train": {"lr": "abc"}}, "train.lr"),
        "list without url": (
            {"download": {"video_list": "data/no_url.csv", "corpus_dir": "data"}},
            "no_url.csv: missing column(s) ['url']",
        ),
        "missing eval set": (
            {"dataset": {"eval_sets": ["data/demo/eval/patches.csv", "data/demo/eval/gone.csv"]}},
            "dataset.eval_sets[1]: data/demo/eval/gone.csv does not exist",
        ),
        "missing release file": (
            {"release": {"recon_csv": "gone.csv"}},
            "release.recon_csv: data/release_demo/gone.csv does not exist",
        ),
    }
    for case, (change, named) in bad_inputs.items():
        (repo / "params.yaml").write_text(yaml.safe_dump(_merge(yaml.safe_load(good), change), sort_keys=False))
        res = _run(["dvc", "repro"], repo, env, timeout=300)
        out = res.stdout + res.stderr
        assert res.returncode != 0 and named in out, f"{case}: {out[-3000:]}"
        assert _hashes(repo / "outputs", repo / "metrics") == kept, f"{case}: an earlier output changed"
        assert (repo / "dvc.lock").read_text() == lock, f"{case}: dvc.lock changed"
    (repo / "params.yaml").write_text(good)
    status = _run(["dvc", "status"], repo, env, timeout=120)
    assert status.returncode == 0 and "up to date" in status.stdout.lower(), status.stdout

    curation = json.loads((repo / "metrics" / "curation.json").read_text())
    for key in ("scene_boundary", "histology", "asr", "pairs"):
        assert key in curation, f"curation.json lacks {key}: {sorted(curation)}"

    evaluation = json.loads((repo / "metrics" / "eval.json").read_text())
    assert {"trained", "untrained"} <= set(evaluation["models"]), sorted(evaluation["models"])

    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{repo / 'mlflow.db'}")
    exp = client.get_experiment_by_name(params["project"]["mlflow_experiment"])
    runs = client.search_runs([exp.experiment_id], "tags.`quiltkit.stage` != ''")
    assert {r.data.tags["quiltkit.stage"] for r in runs} == set(stages)
    failed = [r for r in runs if r.info.status == "FAILED"]
    # (a bad value fails while params.yaml is read, before a run is started: no run to end)
    assert sorted(r.data.tags["quiltkit.stage"] for r in failed) == ["params_check"] * 3
    assert all(r.info.status == "FINISHED" for r in runs if r not in failed)
    assert len({r.data.tags["mlflow.parentRunId"] for r in runs if r not in failed}) == 1

    # Any version reproduced: A is pushed to a real S3 remote, a param change builds B, and A's
    # git revision plus `dvc pull` into an empty cache gives A's dataset, model and metrics back
    # byte for byte.
    from tests.reliability.s3_server import ACCESS_KEY, BUCKET, SECRET_KEY, seaweed_s3

    def git(*args):
        return subprocess.run(
            ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
            cwd=repo,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def version():
        lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
        outs = {o["path"]: o["md5"] for name in ("dataset", "train") for o in lock[name]["outs"] if "md5" in o}
        files = _hashes(repo / "outputs" / "dataset", repo / "outputs" / "train" / "export")
        return (
            outs,
            files,
            (repo / "metrics" / "eval.json").read_text(),
            (repo / "metrics" / "dataset.json").read_text(),
        )

    with seaweed_s3(tmp_path / "weed") as endpoint:
        for args in (
            ["remote", "add", "-d", "store", f"s3://{BUCKET}/versions"],
            ["remote", "modify", "store", "endpointurl", endpoint],
            ["remote", "modify", "--local", "store", "access_key_id", ACCESS_KEY],
            ["remote", "modify", "--local", "store", "secret_access_key", SECRET_KEY],
        ):
            assert _run(["dvc", *args], repo, env, timeout=60).returncode == 0
        git("add", "-A")
        git("commit", "-qm", "version A")
        rev_a, a = git("rev-parse", "HEAD"), version()
        res = _run(["dvc", "push"], repo, env, timeout=300)
        assert res.returncode == 0, res.stderr[-2000:]
        (repo / "params.yaml").write_text(
            yaml.safe_dump(_merge(yaml.safe_load(good), {"dataset": {"near_dup_hamming": 1}}), sort_keys=False)
        )
        res = _run(["dvc", "repro"], repo, env, timeout=600)
        assert res.returncode == 0, res.stdout[-3000:]
        git("add", "-A")
        git("commit", "-qm", "version B")
        b = version()
        assert b[0]["outputs/dataset"] != a[0]["outputs/dataset"], "the param change did not change the dataset"
        # the comparison of the two versions says what the dataset stage's own counts say
        from quiltkit.compare.__main__ import main as compare

        assert compare([rev_a, "HEAD", "--root", str(repo), "--out", str(tmp_path / "compare")]) == 0
        report = json.loads(next((tmp_path / "compare").glob("*/report.json")).read_text())
        rows = lambda text: json.loads(text)["rows"]  # noqa: E731
        assert report["delta"]["rows"] == rows(b[3]) - rows(a[3]) and report["a"]["rows"] == rows(a[3])
        git("checkout", "-q", rev_a)
        # only the remote holds A now: the cache is emptied, and with it B's outputs are files DVC
        # has no copy of, which `dvc pull` replaces only when told to (--force)
        shutil.rmtree(repo / ".dvc" / "cache")
        for d in ("outputs/dataset", "outputs/train/export"):
            shutil.rmtree(repo / d)
        res = _run(["dvc", "pull", "--force"], repo, env, timeout=300)
        assert res.returncode == 0, res.stderr[-2000:]
        restored = version()
        out = ROOT / "test-output"
        out.mkdir(exist_ok=True)
        (out / "round_trip.json").write_text(
            json.dumps(
                {
                    "a": a[0],
                    "b": b[0],
                    "restored": restored[0],
                    "files_equal": restored[1] == a[1],
                    "compare_delta": report["delta"],
                },
                indent=1,
            )
        )
        assert restored == a, "version A did not come back as it was"
