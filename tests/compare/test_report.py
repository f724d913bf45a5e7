"""Two dataset versions compared: rows and images in and out, distributions, and a report that
escapes what it shows."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from quiltkit.compare.__main__ import main
from quiltkit.compare.report import CompareError, compare_frames, resolve_rev, write_report
from tests import components


def _frame(rows):
    return pd.DataFrame(
        [
            {
                "caption": c,
                "sha256": sha,
                "source": src,
                "split": sp,
                "image_path": f"{sha}.png",
                "video_id": "v",
                "magnification": mag,
                "pathology": ["gastrointestinal"],
                "keywords": ["glands"],
                "text_kind": "sentence",
            }
            for c, sha, src, sp, mag in rows
        ]
    )


A = _frame(
    [
        ("crowded glands here", "i1", "quilt_video", "train", "low"),
        ("a second sentence about it", "i1", "quilt_video", "train", "low"),
        ("fat", "i2", "openclip_csv", "val", None),
    ]
)
B = _frame(
    [
        ("crowded glands here", "i1", "quilt_video", "train", "low"),
        ("one long caption with many words in it for the same image", "i3", "quilt_release", "train", "high"),
        ("fat", "i2", "openclip_csv", "val", None),
    ]
)


def test_what_entered_and_left():
    rep = compare_frames(A, B)
    d = rep["delta"]
    assert (d["rows"], d["rows_entered"], d["rows_left"], d["images_entered"], d["images_left"]) == (0, 1, 1, 1, 0)
    assert d["rows_per_source_split"]["quilt_release"]["train"] == {"a": 0, "b": 1, "delta": 1}
    assert d["rows_per_source_split"]["quilt_video"]["train"] == {"a": 2, "b": 1, "delta": -1}
    assert rep["examples"]["entered"][0]["source"] == "quilt_release"
    assert rep["examples"]["left"][0]["caption"] == "a second sentence about it"
    assert rep["a"]["magnification"] == {"low": 2, "none": 1} and rep["b"]["magnification"]["high"] == 1
    assert rep["b"]["caption_words_hist"]["10-19"] == 1 and d["caption_words_mean"] > 0


def test_report_escapes_captions(tmp_path):
    evil = _frame([("<script>alert(1)</script>", "i9", "quilt_video", "train", "low")])
    files = write_report(compare_frames(A, evil), "a", "b", tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert all(f.exists() for f in files)
    plots = pd.read_csv(tmp_path / "caption_length.csv")
    assert set(plots.columns) == {"words", "version", "rows"} and set(plots.version) == {"a", "b"}


def _git(repo, *args):
    return subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )


def test_two_revisions_through_dvc(tmp_path):
    repo = tmp_path / "repo"
    (repo / "outputs" / "dataset").mkdir(parents=True)
    _git(repo, "init", "-q")
    dvc = str(Path(sys.executable).parent / "dvc")
    subprocess.run([dvc, "init", "-q"], cwd=repo, check=True)
    for frame, msg in ((A, "A"), (B, "B")):
        frame.to_parquet(repo / "outputs" / "dataset" / "metadata.parquet")
        subprocess.run([dvc, "add", "-q", "outputs/dataset"], cwd=repo, check=True)
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", msg)
    assert main(["HEAD~1", "HEAD", "--root", str(repo), "--out", str(tmp_path / "cmp")]) == 0
    rep = json.loads((tmp_path / "cmp" / "HEAD_1_vs_HEAD" / "report.json").read_text())
    assert rep["delta"]["rows_entered"] == 1 and rep["a"]["rows"] == 3
    assert main(["HEAD", "workspace", "--root", str(repo), "--out", str(tmp_path / "cmp")]) == 0
    with pytest.raises(CompareError, match="neither a git revision nor a dvc experiment"):
        resolve_rev("no-such-version", repo)


def test_report_in_headless_chromium(tmp_path):
    chromium = components.chromium()
    from playwright.sync_api import sync_playwright

    xss = "<img src=x onerror=alert(1)>"
    write_report(compare_frames(A, _frame([(xss, "i9", "quilt_video", "train", "low")])), "a", "b", tmp_path)
    dialogs, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto((tmp_path / "report.html").as_uri())
            page.wait_for_load_state("load")
            widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
            assert widths and all(w > 0 for w in widths)  # the plot, and no image made from a caption
            assert xss in page.text_content("pre")
        finally:
            browser.close()
    assert dialogs == [] and errors == []
