"""The metric-regression gate, on the real thresholds file and on small planted cases."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quiltkit.evaluation.gate import GateConfigError, flatten, load_rules, run_gate

REPO = Path(__file__).resolve().parents[2]
THRESHOLDS = REPO / "metrics" / "thresholds.yaml"


def _eval(bacc=0.8, r1=0.5, rank=3.0, extra=None):
    d = {
        "models": {
            "trained": {
                "demo_patches": {
                    "zeroshot": {"acc1": 0.8, "balanced_accuracy": bacc, "n": 200},
                    "linear_probe": {
                        "frac_0.1": {"balanced_accuracy_mean": 0.7, "balanced_accuracy_std": 0.02, "C": [1.0]}
                    },
                },
                "demo_retrieval": {"retrieval": {"t2i_R1": r1, "i2t_R1": r1, "t2i_median_rank": rank}},
            }
        },
        "stage_seconds": 40.0,
    }
    if extra:
        d.update(extra)
    return d


def _write(d: Path, name: str, obj) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(json.dumps(obj))


def _gate(tmp_path, old, new, **kw):
    _write(tmp_path / "base", "eval.json", old)
    _write(tmp_path / "fresh", "eval.json", new)
    return run_gate(tmp_path / "fresh", THRESHOLDS, baseline_dir=tmp_path / "base", files=["eval.json"], **kw)


def test_planted_regression_fails_naming_metric(tmp_path):
    res = _gate(tmp_path, _eval(bacc=0.80), _eval(bacc=0.70))
    assert not res.passed
    report = res.report()
    assert "models.trained.demo_patches.zeroshot.balanced_accuracy" in report
    assert "0.8 -> 0.7" in report and "at most 0.05" in report
    assert "FAIL" in report


def test_within_tolerance_and_improvement_pass(tmp_path):
    assert _gate(tmp_path, _eval(bacc=0.80), _eval(bacc=0.76)).passed  # drop 0.04 <= 0.05
    res = _gate(
        tmp_path, _eval(bacc=0.80, r1=0.4, rank=5.0), _eval(bacc=0.95, r1=0.9, rank=1.0, extra={"stage_seconds": 999.0})
    )
    assert res.passed, res.report()
    assert "PASS" in res.report()


def test_lower_is_better_direction(tmp_path):
    res = _gate(tmp_path, _eval(rank=3.0), _eval(rank=6.0))  # rank may rise by at most 2
    assert not res.passed and "t2i_median_rank" in res.report() and "lower is better" in res.report()


def test_missing_metric_and_file_are_reported(tmp_path):
    new = _eval()
    del new["models"]["trained"]["demo_retrieval"]
    res = _gate(tmp_path, _eval(), new)
    assert not res.passed
    assert "MISSING eval.json:models.trained.demo_retrieval.retrieval.t2i_R1" in res.report()
    (tmp_path / "fresh" / "eval.json").unlink()
    res = run_gate(tmp_path / "fresh", THRESHOLDS, baseline_dir=tmp_path / "base", files=["eval.json"])
    assert not res.passed and "produced none" in res.report()


def test_nan_counts_as_regression(tmp_path):
    assert not _gate(tmp_path, _eval(bacc=0.8), _eval(bacc=float("nan"))).passed


def test_unchecked_metric_is_listed(tmp_path):
    res = _gate(tmp_path, _eval(extra={"surprise": 1.0}), _eval(extra={"surprise": 0.0}))
    assert res.passed and "unchecked eval.json:surprise" in res.report(verbose=True)


def test_flatten_skips_non_metrics():
    assert flatten({"a": {"b": 1, "c": [1, 2], "d": "x", "e": True}}) == {"a.b": 1.0}


def test_thresholds_file_has_the_issue_tolerances():
    rules = load_rules(THRESHOLDS)
    from quiltkit.evaluation.gate import match_rule

    r = match_rule(rules["eval.json"], "models.trained.demo_patches.zeroshot.balanced_accuracy")
    assert (r.direction, r.tolerance) == ("higher", 0.05)
    assert match_rule(rules["curation.json"], "scenes.f1").tolerance == 0.02
    assert (match_rule(rules["asr.json"], "wer").direction, match_rule(rules["asr.json"], "wer").tolerance) == (
        "lower",
        0.03,
    )


def test_bad_thresholds_named(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("files:\n  eval.json:\n    - {pattern: 'x', direction: sideways}\n")
    with pytest.raises(GateConfigError, match=r"files.eval.json\[0\].*sideways"):
        load_rules(bad)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_cli_against_git_head(tmp_path):
    repo = tmp_path / "repo"
    (repo / "metrics").mkdir(parents=True)
    shutil.copy(THRESHOLDS, repo / "metrics" / "thresholds.yaml")
    _write(repo / "metrics", "eval.json", _eval(bacc=0.8))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(git + ["add", "metrics"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "baseline"], check=True)
    cli = [sys.executable, str(REPO / "scripts" / "check_metrics.py"), "--files", "eval.json"]
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}

    ok = subprocess.run(cli, cwd=repo, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    _write(repo / "metrics", "eval.json", _eval(bacc=0.6))
    bad = subprocess.run(cli, cwd=repo, env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "REGRESSION eval.json:models.trained.demo_patches.zeroshot.balanced_accuracy: 0.8 -> 0.6" in bad.stdout


def test_retrieval_recall_drop_fails(tmp_path):
    res = _gate(tmp_path, _eval(r1=0.5), _eval(r1=0.3))
    assert not res.passed and "retrieval.t2i_R1: 0.5 -> 0.3" in res.report()


def _curation(holdout_precision: float, holdout_f1: float = 0.98) -> dict:
    corpus = {"histology": {"precision": 1.0, "recall": 1.0}, "scene_boundary": {"f1": 1.0}}
    return {
        **corpus,
        "holdout": {"histology": {"precision": holdout_precision, "recall": 1.0}, "scene_boundary": {"f1": holdout_f1}},
        "side_by_side": {"histology_precision": {"demo": 1.0, "holdout": holdout_precision}},
    }


def test_held_out_corpus_is_guarded_by_its_own_rules(tmp_path):
    """A drop on the held-out corpus fails the gate even when the demo's figures hold; a drop
    inside its tolerance (0.03) passes, and the side-by-side copy is not counted twice."""
    _write(tmp_path / "base", "curation.json", _curation(1.0))
    _write(tmp_path / "fresh", "curation.json", _curation(0.9))
    res = run_gate(tmp_path / "fresh", THRESHOLDS, baseline_dir=tmp_path / "base", files=["curation.json"])
    assert not res.passed
    assert [f.key for f in res.failures] == ["holdout.histology.precision"], res.report()
    assert "1 -> 0.9" in res.report() and "at most 0.03" in res.report()
    _write(tmp_path / "fresh", "curation.json", _curation(0.98, holdout_f1=0.96))
    assert run_gate(tmp_path / "fresh", THRESHOLDS, baseline_dir=tmp_path / "base", files=["curation.json"]).passed
