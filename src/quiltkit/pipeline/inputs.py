"""Every file the pipeline reads from outside outputs/, as the params name it, checked before any
stage runs.

dvc.yaml can only depend on single paths (`${download.video_list}`), not on the lists params hold
(`dataset.external_sources`, `evaluate.zeroshot_datasets`, the file:// videos inside a video list).
So each such group has a folder param that dvc.yaml does depend on (download.corpus_dir,
dataset.external_dir, evaluate.data_dir), and this check makes that dependency the truth: every
file a list names must exist and lie inside its group's folder, or the pipeline stops here, at
the params_check stage, naming the key and the file, before any stage has removed an output.

What "inside" buys: DVC re-runs a stage when anything under its folder changes, so an edited
local video, a re-exported eval set or a new external CSV is never silently ignored; and the demo
corpus is built only when some folder param points into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from quiltkit.config import Params


class InputsError(ValueError):
    """One or more inputs the params name are missing or outside the folder DVC watches."""


@dataclass
class InputsReport:
    checked: dict[str, list[str]] = field(default_factory=dict)  # folder param -> files checked in it
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"folders": {k: len(v) for k, v in sorted(self.checked.items())}, "problems": len(self.problems)}


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _need(report: InputsReport, root: Path, folder_key: str, folder: str, key: str, path: str | Path) -> None:
    """`path` (named by params key `key`) must exist and lie inside `folder` (params `folder_key`)."""
    p = Path(path)
    p = p if p.is_absolute() else root / p
    f = Path(folder) if Path(folder).is_absolute() else root / folder
    if not p.exists():
        report.problems.append(f"{key}: {path} does not exist")
    elif not _inside(p, f):
        report.problems.append(
            f"{key}: {path} is outside {folder_key} ({folder}), so DVC would not see it change: "
            f"move it there or set {folder_key} to a folder holding it"
        )
    report.checked.setdefault(folder_key, []).append(str(path))


def check_inputs(params: Params, root: Path | str = ".") -> InputsReport:
    """Check every outside input of the pipeline (see the module docstring); raises InputsError
    listing all problems at once, so a user fixes them in one go."""
    from quiltkit.evaluation.adapters import dataset_path
    from quiltkit.video.download import local_source_path, read_video_list

    root = Path(root)
    report = InputsReport()
    d, ds, ev, tr = params.download, params.dataset, params.evaluate, params.train
    for key, folder in (
        ("download.corpus_dir", d.corpus_dir),
        ("dataset.external_dir", ds.external_dir),
        ("evaluate.data_dir", ev.data_dir),
    ):
        if not (root / folder).is_dir():
            report.problems.append(f"{key}: {folder} is not a folder")

    # The video list: its columns and rows (read_video_list raises naming the file and line),
    # then each local source against the corpus folder.
    try:
        rows = read_video_list(root / d.video_list, root)
    except (FileNotFoundError, ValueError) as err:
        report.problems.append(f"download.video_list: {err}")
        rows = []
    for r in rows:
        src = local_source_path(r.fetch_url)
        if src is not None:
            _need(
                report,
                root,
                "download.corpus_dir",
                d.corpus_dir,
                f"download.video_list ({d.video_list}, video {r.video_id})",
                src,
            )

    for i, spec in enumerate(ds.external_sources):
        _need(
            report,
            root,
            "dataset.external_dir",
            ds.external_dir,
            f"dataset.external_sources[{i}]",
            spec.split(":", 1)[1],
        )

    # Eval sets: a missing one is an error here, never a skip after the work (an empty list is
    # the explicit way to go without).
    for i, path in enumerate(ds.eval_sets):
        _need(report, root, "evaluate.data_dir", ev.data_dir, f"dataset.eval_sets[{i}]", path)
    if tr.eval_patches is not None:
        _need(report, root, "evaluate.data_dir", ev.data_dir, "train.eval_patches", tr.eval_patches)
        _need(report, root, "evaluate.data_dir", ev.data_dir, "train.eval_classnames", tr.eval_classnames)
    for group in ("zeroshot_datasets", "retrieval_datasets"):
        for i, name in enumerate(getattr(ev, group)):
            try:
                path = dataset_path(name, ev.dataset_roots)
            except KeyError as err:
                report.problems.append(f"evaluate.{group}[{i}]: {err.args[0]}")
                continue
            _need(report, root, "evaluate.data_dir", ev.data_dir, f"evaluate.{group}[{i}] ({name})", path)

    # The release to rebuild: its folder (a dvc.yaml dep of this stage and of release) and the
    # files its params name in it. Their rows are checked by the release stage, which touches no
    # output before they read.
    rl = params.release
    if rl.enabled:
        if not (root / rl.dir).is_dir():
            report.problems.append(f"release.dir: {rl.dir} is not a folder")
        else:
            for key in ("lookup_csv", "data_csv", "recon_csv", "video_list", "reference_dir"):
                name = getattr(rl, key)
                if name is not None:
                    _need(report, root, "release.dir", rl.dir, f"release.{key}", Path(rl.dir) / name)

    if report.problems:
        raise InputsError(
            "inputs the params name cannot be used (nothing was changed):\n  - " + "\n  - ".join(report.problems)
        )
    return report
