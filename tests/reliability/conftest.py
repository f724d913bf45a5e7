"""Shared fixtures for the reliability suite: a throw-away copy of the repository to run real
stage scripts in, short real lecture clips cut from the demo corpus, and a helper to run a stage
as its own process group (so a test can kill -9 it and every worker it started)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
CLIP_SECONDS = 20.0
IDS = ["v0", "v1", "v2"]


def _snapshot_src(dest: Path) -> Path:
    shutil.copytree(ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(ROOT / "stages", dest / "stages", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "params.yaml", dest / "params.yaml")
    shutil.copy2(ROOT / "dvc.yaml", dest / "dvc.yaml")
    return dest


@pytest.fixture(scope="session")
def code_snapshot(tmp_path_factory) -> Path:
    """One copy of src/, stages/, params.yaml and dvc.yaml per session: the tests run the code as
    it was when they started, whatever else is edited meanwhile."""
    return _snapshot_src(tmp_path_factory.mktemp("snapshot"))


def cut_clip(src: Path, dst: Path, seconds: float) -> Path:
    """The first `seconds` of a real demo video, remuxed (no re-encode: fast, still H.264+AAC)."""
    import av

    dst.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="mp4") as out:
        smap = {}
        for s in inp.streams:
            if s.type in ("video", "audio"):
                smap[s.index] = out.add_stream_from_template(s)
        for pkt in inp.demux(*[inp.streams[i] for i in smap]):
            if pkt.dts is None:
                continue
            if pkt.pts is not None and float(pkt.pts * pkt.time_base) >= seconds:
                continue
            pkt.stream = smap[pkt.stream.index]
            out.mux(pkt)
    return dst


def _lectures(d: Path, n: int) -> list[Path]:
    """n short demo lectures (speech, slides, tissue), rendered here by quiltkit.demo in a few
    seconds at 320x180. Always rendered, never taken from data/demo: a fresh clone and one where
    `make demo` ran test the same inputs, and a renderer that cannot run fails the suite."""
    from quiltkit.config import DemoParams
    from quiltkit.demo.lecture import make_video

    demo = DemoParams(video_seconds=30, width=320, height=180)
    for i in range(n):
        make_video(f"demo_{i:03d}", i, 1337, demo, d / "full", d / "gt", ROOT)
    return [d / "full" / f"demo_{i:03d}.mp4" for i in range(n)]


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> list[Path]:
    """Three 20 s lecture clips (speech, slides and tissue), made once per session."""
    d = tmp_path_factory.mktemp("clips")
    return [cut_clip(src, d / f"clip{i}.mp4", CLIP_SECONDS) for i, src in enumerate(_lectures(d, 3))]


@pytest.fixture(scope="session")
def long_clip(tmp_path_factory) -> Path:
    """A 60 s lecture clip: the last video of the kill tests. The kill is sent the moment the
    first video's output appears; a long last video makes the rest of the corpus (tens of seconds
    of work, against a poll of 20 ms) the margin that keeps the kill mid-stage on a loaded machine."""
    from quiltkit.config import DemoParams
    from quiltkit.demo.lecture import make_video

    d = tmp_path_factory.mktemp("long_clip")
    make_video(
        "demo_long", 3, 1337, DemoParams(video_seconds=70, width=320, height=180), d / "full", d / "gt", ROOT
    )  # raw_root: the root data/raw/package_images sits under
    return cut_clip(d / "full" / "demo_long.mp4", d / "long.mp4", 60.0)


@pytest.fixture(scope="session")
def stain_model_json(tmp_path_factory) -> Path:
    """The frames stage needs outputs/histo_classifier/model.json: a stain model trained here on
    synthetic frames in a second (these tests are about failures, not about the classifier; the
    repository's own model may be of either backend)."""
    d = tmp_path_factory.mktemp("histo")
    from quiltkit.video.histology import train_stain_model
    from tests.video.synth import classifier_set

    model, _ = train_stain_model(classifier_set(d / "frames"), seed=0)
    model.save(d / "model.json")
    return d / "model.json"


@dataclass
class Workspace:
    root: Path

    def path(self, rel: str) -> Path:
        return self.root / rel

    def set_params(self, **sections) -> None:
        """Deep-merge dotted overrides, e.g. set_params(**{"download.retries": 0})."""
        p = self.root / "params.yaml"
        doc = yaml.safe_load(p.read_text())
        for dotted, value in sections.items():
            node = doc
            *parents, leaf = dotted.split(".")
            for k in parents:
                node = node.setdefault(k, {})
            node[leaf] = value
        p.write_text(yaml.safe_dump(doc, sort_keys=False))

    def use_stain_model(self, model_json: Path) -> None:
        """The frames stage's classifier: this stain model, at its default path, selected."""
        model = self.path("outputs/histo_classifier/model.json")
        model.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(model_json, model)
        self.set_params(**{"frames.histology.backend": "stain"})

    def write_video_list(self, rows: list[dict], name: str = "data/videos.csv") -> Path:
        import csv

        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["video_id", "url", "title", "channel", "duration"])
            w.writeheader()
            for r in rows:
                w.writerow(r)
        self.set_params(**{"download.video_list": name})
        return path

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env.update(
            {
                "PYTHONPATH": str(self.root / "src"),
                "QUILTKIT_NO_MLFLOW": "1",
                "HF_HUB_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false",
                "OMP_NUM_THREADS": "1",
            }
        )
        env.pop("QUILTKIT_REPO_ROOT", None)
        env.update(extra)
        return env

    def start(self, stage: str, **env) -> subprocess.Popen:
        """Start stages/<stage>.py as the leader of a new process group (workers included)."""
        log = open(self.root / f"{stage}.log", "ab")
        return subprocess.Popen(
            [PY, f"stages/{stage}.py"],
            cwd=self.root,
            env=self.env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def run(self, stage: str, timeout: float = 240, **env) -> subprocess.CompletedProcess:
        res = subprocess.run(
            [PY, f"stages/{stage}.py"],
            cwd=self.root,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        (self.root / f"{stage}.log").open("a").write(res.stdout + res.stderr)
        return res

    def claim(self, stage: str, out: str) -> None:
        """Mark outputs/<out> as made by an earlier (interrupted) run of this very stage, the way
        the stage itself does (quiltkit.resume), so files planted there count as its leftovers
        rather than as foreign output that a fresh start would wipe."""
        from quiltkit.config import load_params
        from quiltkit.curation.reuse import per_video_inputs
        from quiltkit.resume import claim_output_dir, stage_fingerprint

        params = load_params(self.root / "params.yaml")
        keys, inputs = per_video_inputs(stage, params, self.root)
        claim_output_dir(
            self.path(out), stage_fingerprint(stage, params.model_dump(mode="json"), self.root, per_video=inputs), keys
        )

    def metrics(self, stage: str) -> dict:
        import json

        return json.loads((self.root / "metrics" / f"{stage}.json").read_text())


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None, poll: float = 0.05):
    """Poll until predicate() is truthy; fail if the process exits first or time runs out."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = predicate()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            return predicate()
        time.sleep(poll)
    return predicate()


def new_workspace(root: Path, code_snapshot: Path) -> Workspace:
    """A repository copy at root: code symlinked from the session snapshot, params with workers=1
    (so videos go in order and a kill lands between them) and no retries or subtitles."""
    root.mkdir(parents=True)
    for name in ("src", "stages"):
        (root / name).symlink_to(code_snapshot / name, target_is_directory=True)
    for name in ("params.yaml", "dvc.yaml"):
        shutil.copy2(code_snapshot / name, root / name)
    ws = Workspace(root)
    ws.set_params(
        **{
            "project.workers": 1,
            "download.retries": 0,
            "download.subtitles": False,
            "asr.cpu_threads": 1,
            "asr.batch_size": 1,
        }
    )
    return ws


@pytest.fixture
def workspace(tmp_path, code_snapshot) -> Workspace:
    return new_workspace(tmp_path / "repo", code_snapshot)


def log_tail(ws: Workspace, stage: str) -> str:
    p = ws.path(f"{stage}.log")
    return p.read_text(errors="replace")[-3000:] if p.exists() else ""


def kill9_when(ws: Workspace, stage: str, reached, timeout: float, poll: float = 0.002):
    """Start the stage as its own process group and SIGKILL the whole group the moment reached()
    (a file the stage itself writes) is truthy; return what reached() returned. The stage
    finishing or dying first is a test failure, shown with its log."""
    proc = ws.start(stage)
    try:
        got = wait_for(reached, timeout=timeout, proc=proc, poll=poll)
        assert got, f"{stage} exited (rc={proc.poll()}) before the point of the kill:\n{log_tail(ws, stage)}"
        assert proc.poll() is None, f"{stage} had already exited (rc={proc.returncode}) when the kill was due"
    finally:
        kill_group(proc)
    assert proc.returncode == -9
    return got


def tree(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under root -> (size, mtime_ns, sha1 of its bytes)."""
    import hashlib

    return {
        p.relative_to(root).as_posix(): (
            p.stat().st_size,
            p.stat().st_mtime_ns,
            hashlib.sha1(p.read_bytes()).hexdigest(),
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def prepare_stage_inputs(workspace, clips, stain_model_json, stage):
    """A video list of the clips as v0..v2, the stain model in place, and (for any stage after
    download) the videos downloaded."""
    workspace.write_video_list(
        [
            {"video_id": v, "url": str(c), "title": f"clip {v}", "channel": "c", "duration": ""}
            for v, c in zip(IDS, clips)
        ]
    )
    workspace.use_stain_model(stain_model_json)
    if stage == "download":
        # Local files copy in milliseconds; a rate limit makes each download last ~2 s so the
        # kill lands while a later video is in flight.
        workspace.set_params(**{"download.rate_limit": "60K"})
    else:
        res = workspace.run("download")
        assert res.returncode == 0, res.stderr[-3000:]
        assert workspace.metrics("download")["ok"] == 3
