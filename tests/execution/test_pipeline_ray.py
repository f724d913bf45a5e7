"""The per-video stages give the same dataset on a Ray cluster as on the local process pool.

Two short demo videos go through download, asr, frames, text and pairs twice: once with the local
pool (2 workers), once on a real local Ray cluster of 2 CPUs started the way the stages start it
(quiltkit.execution.ray_backend.init_ray, which must hand workers an absolute import path: the
stages run with PYTHONPATH=src, relative). What lands in the dataset must not depend on where a
video was processed: the same pair ids, captions and texts, the same transcripts word for word.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from quiltkit.config import load_params
from quiltkit.contracts import PairsFile, Transcript
from quiltkit.execution.context import Execution
from quiltkit.execution.runner import run_videos
from quiltkit.execution.tasks import VideoTask

REPO = Path(__file__).resolve().parents[2]


def _corpus(ws: Path, seed: int):
    from quiltkit.demo.corpus import build_corpus

    p = load_params(REPO / "params.yaml")
    demo = p.demo.model_copy(
        update={
            "n_videos": 2,
            "video_seconds": 30.0,
            "eval_patches_per_class": 4,
            "retrieval_pairs": 4,
            "external_pairs": 0,
            "classifier_frames_per_class": 20,
        }
    )
    build_corpus(demo, seed, out=ws / "data/demo", root=ws, raw_root=REPO, workers=2)
    # the stain classifier: this test is about executors, and it trains in a second
    histology = p.frames.histology.model_copy(update={"backend": "stain"})
    return p.model_copy(update={"frames": p.frames.model_copy(update={"histology": histology})})


def _curate(p, out: Path, executor: str) -> dict:
    """The per-video stages as the stage scripts call them, writing under `out`."""
    from quiltkit.pairing.align import pair_task
    from quiltkit.pairing.stage_run import run_pairs
    from quiltkit.speech.stage_run import run_asr
    from quiltkit.text.stage_run import run_text
    from quiltkit.video.stage_run import run_download, run_frames

    ex = Execution(workers=2, executor=executor, seed=p.project.seed, root=Path.cwd())
    m = {
        "download": run_download(p.download, out / "download", ex),
        "asr": run_asr(p.asr, out / "download", out / "asr", execution=ex),
        "frames": run_frames(p.frames, out / "download", out / "frames", execution=ex),
        "text": run_text(p.text, out / "asr", out / "text", execution=ex),
    }
    if executor == "local":
        m["pairs"] = run_pairs(p.pairs, out / "frames", out / "text", out / "pairs", ex)
    else:
        # run_pairs keeps pairing in-process (milliseconds per video); its per-video function
        # is what would run on the cluster, so that is what goes through Ray here
        vids = sorted(f.stem for f in (out / "frames").glob("*.json"))
        tasks = [
            VideoTask(
                v,
                out / "pairs" / f"{v}.json",
                {
                    "frames": str(out / "frames" / f"{v}.json"),
                    "text": str(out / "text" / f"{v}.json"),
                    "params": p.pairs.model_dump(),
                    "root": str(Path.cwd()),
                },
            )
            for v in vids
        ]
        m["pairs"] = {r.video_id: r.status for r in run_videos(pair_task, tasks, Execution(executor="ray"))}
    return m


def _die(task: VideoTask) -> dict:
    """A worker that dies outright (as one killed for memory would): no exception to catch."""
    if task.args.get("die"):
        os._exit(3)
    task.output.parent.mkdir(parents=True, exist_ok=True)
    task.output.write_text(task.video_id)
    return {}


def _dataset_view(out: Path) -> dict:
    view = {}
    for f in sorted((out / "pairs").glob("*.json")):
        pf = PairsFile.read(f)
        view[pf.video_id] = sorted(
            (
                r.pair_id,
                r.image_id,
                r.caption,
                r.noisy_text,
                r.corrected_text,
                r.roi_text,
                tuple(r.med_umls_ids),
                round(r.start, 2),
                round(r.end, 2),
            )
            for r in pf.pairs
        )
    return view


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_stages_on_ray_match_local_pool(tmp_path, monkeypatch):
    import ray  # a declared dependency: missing must fail, not skip

    from quiltkit.execution.ray_backend import init_ray
    from quiltkit.video.histology import train_stain_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("dvc.yaml", "params.yaml"):
        (ws / name).write_bytes((REPO / name).read_bytes())
    monkeypatch.chdir(ws)  # the stages resolve their paths against the working directory
    cache = REPO / "outputs/cache/vocabulary"  # the merged ontology vocabulary (HPO alone ~30 s to build)
    if cache.is_dir():
        shutil.copytree(cache, ws / "outputs/cache/vocabulary")
    p = _corpus(ws, seed=7)
    model, _ = train_stain_model(Path("data/demo/classifier_frames/labels.csv"), seed=p.project.seed)
    Path("outputs/histo_classifier").mkdir(parents=True)
    model.save(Path("outputs/histo_classifier/model.json"))  # frames' default classifier path

    local = _curate(p, Path("outputs"), "local")
    # relative, as `dvc repro` sets it: init_ray must make it absolute for the workers
    # (the repository root too: _die below is pickled by reference to this test module)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([os.path.relpath(REPO / "src"), os.path.relpath(REPO)]))
    init_ray(None, num_cpus=2)
    try:
        remote = _curate(p, Path("outputs_ray"), "ray")
        # more tasks than the in-flight window, one of them killing its worker every retry
        from quiltkit.execution.ray_backend import run_on_ray
        from quiltkit.execution.runner import _call

        many = [VideoTask(f"t{i}", Path(f"dies/t{i}"), {"die": i == 3}) for i in range(7)]
        died_results = run_on_ray(_call, _die, many, address=None, resources={}, desc="die", window=2)
    finally:
        ray.shutdown()

    died = {r.video_id: r.status for r in died_results}
    assert died == {**{f"t{i}": "ok" for i in range(7)}, "t3": "failed"}
    assert "ray:" in next(r.error for r in died_results if r.video_id == "t3"), died_results
    assert sorted(p.name for p in Path("dies").iterdir()) == [f"t{i}" for i in range(7) if i != 3]
    for stage in ("asr", "frames", "text"):
        assert local[stage]["ok"] == remote[stage]["ok"] == 2, (stage, local[stage], remote[stage])
    assert set(remote["pairs"].values()) == {"ok"}
    for vid in ("demo_000", "demo_001"):
        a, b = Transcript.read(Path(f"outputs/asr/{vid}.json")), Transcript.read(Path(f"outputs_ray/asr/{vid}.json"))
        assert [s.text for s in a.segments] == [s.text for s in b.segments]
    view_local, view_ray = _dataset_view(Path("outputs")), _dataset_view(Path("outputs_ray"))
    assert sum(len(v) for v in view_local.values()) > 0, "the demo videos must yield pairs"
    assert view_local == view_ray
