"""The evaluate stage: every model in evaluate.models on every dataset, one comparison table.

Datasets are loaded once; per model we encode each image split once (cached, see features.py)
and derive zero-shot, linear-probe and retrieval numbers from those embeddings. A dataset that
is missing or broken is recorded with its error and the stage goes on with the rest; only if
nothing at all could be evaluated does the stage fail (a table of errors is not a result).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import torch

from quiltkit.config import EvaluateParams
from quiltkit.evaluation.adapters import (
    DatasetFormatError,
    DatasetMissingError,
    RetrievalData,
    load_classification,
    load_retrieval,
)
from quiltkit.evaluation.features import cached_image_features, encode_texts
from quiltkit.evaluation.linear_probe import Split, linear_probe
from quiltkit.evaluation.models import TRAINED_EXPORT, load_model, parse_spec
from quiltkit.evaluation.report import write_comparison, write_confusion_csv
from quiltkit.evaluation.retrieval import retrieval_metrics
from quiltkit.execution.context import Execution
from quiltkit.model.prompts import templates_for
from quiltkit.model.zeroshot import classification_metrics, zeroshot_classifier, zeroshot_logits
from quiltkit.paths import safe_id
from quiltkit.tracking.datasets import trained_on

log = logging.getLogger(__name__)
DATA_ERRORS = (DatasetMissingError, DatasetFormatError, FileNotFoundError, KeyError, ValueError)


def _load_all(names, loader, roots, **kw) -> dict:
    out = {}
    for name in names:
        try:
            out[name] = loader(name, roots, **kw)
        except DATA_ERRORS as err:
            log.error("dataset %s unavailable, skipped: %s", name, err)
            out[name] = err
    return out


def _classification(loaded, data, ecfg, feat_dir: Path, device: str) -> dict:
    def feats(split: str) -> Split:
        s = data.splits[split]
        if split != data.test_split:  # the test split is always scored in full
            s = s.capped(ecfg.linear_probe_max_per_class)
        f, _ = cached_image_features(
            feat_dir / f"{safe_id(data.name)}_{split}.npz", loaded, s.images, s.labels, ecfg.batch_size, device
        )
        return Split(f, s.labels)

    test = feats(data.test_split)
    templates = data.templates or templates_for(data.name, ecfg.templates)
    classifier = zeroshot_classifier(loaded.model, loaded.tokenizer, data.classnames, templates, device).cpu()
    zs = classification_metrics(
        zeroshot_logits(torch.from_numpy(test.features), classifier), torch.from_numpy(test.labels)
    )
    result = {"zeroshot": zs, "n_classes": len(data.classnames)}
    if data.has_probe_splits and ecfg.linear_probe_fractions:
        val = feats(data.val_split) if data.val_split else None
        result["linear_probe"] = linear_probe(
            feats(data.train_split),
            test,
            val,
            ecfg.linear_probe_fractions,
            ecfg.linear_probe_seeds,
            ecfg.linear_probe_c_grid,
        )
    else:
        log.info("%s: no training split, linear probe skipped", data.name)
    return result


def _retrieval(loaded, data, ecfg, feat_dir: Path, device: str) -> dict:
    img, _ = cached_image_features(
        feat_dir / f"{safe_id(data.name)}_images.npz", loaded, data.images, None, ecfg.batch_size, device
    )
    txt = encode_texts(loaded.model, loaded.tokenizer, data.captions, ecfg.batch_size, device)
    return {"retrieval": retrieval_metrics(img, txt, data.caption_image)}


def _public(result: dict) -> dict:
    """What goes into metrics/eval.json: numbers only (per-sample lists stay in outputs/eval)."""
    out = {k: v for k, v in result.items() if k != "zeroshot"}
    if "zeroshot" in result:
        out["zeroshot"] = {
            k: v for k, v in result["zeroshot"].items() if k not in ("confusion", "predictions", "targets")
        }
    return out


def run_evaluate(
    ecfg: EvaluateParams,
    execution: Execution = Execution(),
    *,
    train_model: str,
    out_dir: Path = Path("outputs/eval"),
    metrics_dir: Path = Path("metrics"),
    export_dir: Path = TRAINED_EXPORT,
) -> dict:
    """The evaluate stage: every model of ecfg.models on every dataset named. train.model and
    execution.seed make the untrained baseline, the same init the training started from; the
    stage's MLflow run (execution.tracker) records which dataset the trained model saw."""
    metrics = _evaluate(ecfg, train_model, execution.seed, out_dir, metrics_dir, export_dir)
    if execution.tracker is not None:
        via = {"via": str(export_dir / "info.json")}
        execution.tracker.log_dataset(trained_on(export_dir), "outputs/dataset", via, "evaluation")
    return metrics


def _evaluate(
    ecfg: EvaluateParams, train_model: str, seed: int, out_dir: Path, metrics_dir: Path, export_dir: Path
) -> dict:
    torch.set_num_threads(ecfg.threads)
    device = ecfg.device
    cls_data = _load_all(
        dict.fromkeys(ecfg.zeroshot_datasets), load_classification, ecfg.dataset_roots, verify=ecfg.verify_checksums
    )
    ret_data = _load_all(dict.fromkeys(ecfg.retrieval_datasets), load_retrieval, ecfg.dataset_roots)
    chance = {safe_id(d.name): 1.0 / len(d.classnames) for d in cls_data.values() if not isinstance(d, Exception)}

    labels = [parse_spec(spec)[0] for spec in ecfg.models]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise ValueError(f"evaluate.models: label(s) {dupes} used twice; name them apart with <label>=...")

    results: dict = {}
    full: dict = {}
    evaluated = 0
    for spec, label in zip(ecfg.models, labels):
        try:
            loaded = load_model(spec, train_model, seed, export_dir)
        except (FileNotFoundError, ValueError, RuntimeError) as err:
            # One unloadable checkpoint must not cost the other models' results; the gate then
            # reports this model's metrics as missing.
            log.error("model %s could not be loaded, skipped: %s", spec, err)
            results[label] = full[label] = {"error": str(err)}
            continue
        loaded.model.to(device)
        feat_dir = out_dir / "features" / loaded.label
        per_ds, per_ds_full = {}, {}
        for spec_name, data in list(cls_data.items()) + list(ret_data.items()):
            # Keys of metrics/eval.json and cache file names: "wds:/a/b.c" must not bring dots
            # (the gate's key separator) or slashes along.
            name = safe_id(spec_name if isinstance(data, Exception) else data.name)
            if isinstance(data, Exception):
                per_ds[name] = per_ds_full[name] = {"error": str(data)}
                continue
            fn = _retrieval if isinstance(data, RetrievalData) else _classification
            try:
                r = fn(loaded, data, ecfg, feat_dir, device)
            except DATA_ERRORS as err:
                log.error("%s on %s failed: %s", loaded.label, name, err)
                per_ds[name] = per_ds_full[name] = {"error": str(err)}
                continue
            evaluated += 1
            per_ds_full[name], per_ds[name] = r, _public(r)
            log.info("%s / %s: %s", loaded.label, name, _summary(per_ds[name]))
        results[loaded.label], full[loaded.label] = per_ds, per_ds_full
        del loaded
    if evaluated == 0:
        raise RuntimeError("evaluate: no (model, dataset) pair could be evaluated; see the errors above")

    # Per-model confusion files are cheap and derived: start clean so a model dropped from
    # evaluate.models leaves no stale file behind (outputs/eval persists across runs for the cache).
    shutil.rmtree(out_dir / "confusion", ignore_errors=True)
    plotted = _write_confusions(full, cls_data, out_dir, metrics_dir)
    write_comparison(out_dir, results, chance)
    return {"models": results, "chance_balanced_accuracy": chance, "confusion_plot": plotted}


CONFUSION_PLOT = "confusion.csv"  # metrics/plots/<this>: the one DVC plot, whatever the datasets are called


def _write_confusions(full: dict, cls_data: dict, out_dir: Path, metrics_dir: Path) -> str:
    """Every (model, dataset) confusion under outputs/eval/confusion/, and the DVC plot
    (metrics/plots/CONFUSION_PLOT) of the first model and first zero-shot dataset listed, the
    trained model on the first of evaluate.zeroshot_datasets by default. Its name does not follow
    the dataset, so dvc.yaml holds whatever the params name; returns which one it shows ("" and a
    header-only file when no zero-shot result exists, so the stage's declared plot is there)."""
    names = {safe_id(d.name): d.classnames for d in cls_data.values() if not isinstance(d, Exception)}
    plotted = ""
    for label, per_ds in full.items():
        for name, r in per_ds.items():
            zs = r.get("zeroshot") if isinstance(r, dict) else None
            if not zs:
                continue
            classnames = names[name]
            write_confusion_csv(
                out_dir / "confusion" / f"{label}_{name}.csv", classnames, zs["targets"], zs["predictions"]
            )
            if not plotted:
                plotted = f"{label}/{name}"
                write_confusion_csv(
                    metrics_dir / "plots" / CONFUSION_PLOT, classnames, zs["targets"], zs["predictions"]
                )
    if not plotted:
        write_confusion_csv(metrics_dir / "plots" / CONFUSION_PLOT, [], [], [])
    return plotted


def _summary(r: dict) -> str:
    parts = []
    if "zeroshot" in r:
        parts.append(f"zs acc1 {r['zeroshot']['acc1']:.3f} bacc {r['zeroshot']['balanced_accuracy']:.3f}")
    for frac, lp in r.get("linear_probe", {}).items():
        parts.append(f"lp {frac} bacc {lp['balanced_accuracy_mean']:.3f}±{lp['balanced_accuracy_std']:.3f}")
    if "retrieval" in r:
        rr = r["retrieval"]
        parts.append(f"R@1 i2t {rr['i2t_R1']:.3f} t2i {rr['t2i_R1']:.3f}")
    return "; ".join(parts)
