"""params_check's inputs: every outside input the params name exists and lies in the folder dvc.yaml
depends on; otherwise one error naming each key and file."""

import csv
from pathlib import Path

import pytest

from quiltkit.config import Params
from quiltkit.pipeline.inputs import InputsError, check_inputs


def _corpus(root: Path, videos_in: Path) -> Params:
    """A corpus folder with a list of two local videos (written under videos_in), one external
    source and one eval set, and params naming them."""
    for d in ("corpus", "external", "eval/images"):
        (root / d).mkdir(parents=True, exist_ok=True)
    videos_in.mkdir(parents=True, exist_ok=True)
    with open(root / "corpus" / "list.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["video_id", "url"])
        for v in ("a", "b"):
            (videos_in / f"{v}.mp4").write_bytes(b"not empty")
            w.writerow([v, (videos_in / f"{v}.mp4").as_uri()])
    (root / "external" / "pairs.csv").write_text("filepath,title\n")
    (root / "eval" / "patches.csv").write_text("filepath,label\n")
    (root / "eval" / "classnames.json").write_text("[]")
    return Params.model_validate(
        {
            "download": {"video_list": "corpus/list.csv", "corpus_dir": "corpus"},
            "dataset": {
                "external_sources": ["openclip_csv:external/pairs.csv"],
                "external_dir": "external",
                "eval_sets": ["eval/patches.csv"],
            },
            "train": {"eval_patches": "eval/patches.csv", "eval_classnames": "eval/classnames.json"},
            "evaluate": {"data_dir": "eval", "zeroshot_datasets": ["folder:eval/images"], "retrieval_datasets": []},
            "release": {"enabled": False},  # a corpus without a Quilt release to rebuild
        }
    )


def test_inputs_inside_their_folders_pass(tmp_path):
    p = _corpus(tmp_path, tmp_path / "corpus" / "videos")
    report = check_inputs(p, tmp_path)
    assert report.summary() == {
        "folders": {"dataset.external_dir": 1, "download.corpus_dir": 2, "evaluate.data_dir": 4},
        "problems": 0,
    }


def test_each_problem_is_named_by_its_key_and_file(tmp_path):
    p = _corpus(tmp_path, tmp_path / "elsewhere")  # local videos outside download.corpus_dir
    p.dataset.eval_sets.append("eval/retrieval.csv")  # not there
    p.evaluate.zeroshot_datasets.append("no_such_benchmark")
    with pytest.raises(InputsError) as err:
        check_inputs(p, tmp_path)
    msg = str(err.value)
    assert "download.video_list (corpus/list.csv, video a)" in msg and "outside download.corpus_dir (corpus)" in msg
    assert "dataset.eval_sets[1]: eval/retrieval.csv does not exist" in msg
    assert "evaluate.zeroshot_datasets[1]: unknown dataset 'no_such_benchmark'" in msg


def test_a_list_without_its_url_column_is_rejected_naming_the_file(tmp_path):
    p = _corpus(tmp_path, tmp_path / "corpus" / "videos")
    (tmp_path / "corpus" / "list.csv").write_text("video_id,title\na,x\n")
    with pytest.raises(InputsError, match=r"download.video_list: .*list.csv: missing column\(s\) \['url'\]"):
        check_inputs(p, tmp_path)


def test_the_release_files_the_params_name(tmp_path):
    p = _corpus(tmp_path, tmp_path / "corpus" / "videos")
    rel = tmp_path / "rel"
    rel.mkdir()
    for f in ("quilt_1M_lookup.csv", "quilt_data.csv", "quilt_recon.csv"):
        (rel / f).write_text("x\n")
    on = p.model_copy(
        update={
            "release": p.release.model_copy(
                update={"enabled": True, "dir": "rel", "video_list": None, "reference_dir": None}
            )
        }
    )
    assert check_inputs(on, tmp_path).summary()["folders"]["release.dir"] == 3
    gone = on.model_copy(update={"release": on.release.model_copy(update={"recon_csv": "gone.csv"})})
    with pytest.raises(InputsError, match=r"release.recon_csv: rel/gone.csv does not exist"):
        check_inputs(gone, tmp_path)
    nodir = on.model_copy(update={"release": on.release.model_copy(update={"dir": "nowhere"})})
    with pytest.raises(InputsError, match="release.dir: nowhere is not a folder"):
        check_inputs(nodir, tmp_path)
