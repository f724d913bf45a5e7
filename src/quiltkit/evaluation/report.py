"""The comparison table (outputs/eval/comparison.{md,json}) and the confusion plot files.

One table per run, one row per model, so "trained vs untrained vs someone's checkpoint" is read
off a single page; the JSON holds the same rows for scripts.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from quiltkit.io import atomic_write_text, write_json

ZS_KEYS = ("acc1", "balanced_accuracy")
RET_KEYS = ("i2t_R1", "i2t_R5", "i2t_R10", "t2i_R1", "t2i_R5", "t2i_R10", "i2t_median_rank", "t2i_median_rank")


def comparison_rows(results: dict) -> tuple[list[str], list[dict]]:
    """Flatten {model: {dataset: {zeroshot, linear_probe, retrieval}}} into table rows."""
    columns: list[str] = []
    rows = []
    for model, per_ds in results.items():
        row = {"model": model}
        if isinstance(per_ds.get("error"), str):  # the model itself could not be loaded
            row["error"] = per_ds["error"].splitlines()[0][:240]
            per_ds = {}
        for ds, r in per_ds.items():
            if "error" in r:
                row[f"{ds} error"] = r["error"].splitlines()[0][:60]
            for k in ZS_KEYS:
                if k in r.get("zeroshot", {}):
                    row[f"{ds} zs {k}"] = r["zeroshot"][k]
            for frac, lp in r.get("linear_probe", {}).items():
                row[f"{ds} lp {frac} bacc"] = f"{lp['balanced_accuracy_mean']:.3f}±{lp['balanced_accuracy_std']:.3f}"
            for k in RET_KEYS:
                if k in r.get("retrieval", {}):
                    row[f"{ds} {k}"] = r["retrieval"][k]
        for c in row:
            if c not in columns:
                columns.append(c)
        rows.append(row)
    return columns, rows


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if v < 10 else f"{v:.1f}"
    return str(v).replace("|", "/")


def write_comparison(out_dir: Path, results: dict, chance: dict) -> None:
    columns, rows = comparison_rows(results)
    lines = [
        "# Model comparison",
        "",
        "zs = zero-shot, lp = linear probe (balanced accuracy, mean±std over seeds), "
        "Rk = recall at k (R1 = R@1), i2t/t2i = image-to-text / text-to-image.",
        "",
    ]
    if chance:
        lines.append("Chance level (balanced accuracy): " + ", ".join(f"{d} {c:.3f}" for d, c in chance.items()))
        lines.append("")
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("|" + "---|" * len(columns))
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(c, "")) for c in columns) + " |")
    lines += baseline_lines(results, chance)
    atomic_write_text(out_dir / "comparison.md", "\n".join(lines) + "\n")
    write_json(out_dir / "comparison.json", {"columns": columns, "rows": rows, "chance": chance})


def write_confusion_csv(path: Path, classnames: list[str], targets, predictions) -> None:
    """One row per sample (actual, predicted), the layout DVC's confusion template wants."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["actual", "predicted"])
    for t, p in zip(targets, predictions):
        w.writerow([classnames[t], classnames[p]])
    atomic_write_text(path, buf.getvalue())


def baseline_lines(results: dict, chance: dict, baseline: str = "untrained") -> list[str]:
    """Plain sentences comparing each model with the random-init baseline and with chance: the
    question a reader of the demo table actually has ("did training do anything?")."""
    if baseline not in results or len(results) < 2:
        return []
    lines = ["", f"## Against the {baseline} baseline", ""]
    for model, per_ds in results.items():
        if model == baseline:
            continue
        for ds, r in per_ds.items():
            base = results[baseline].get(ds, {})
            if not isinstance(r, dict) or not isinstance(base, dict):
                continue
            if "zeroshot" in r and "zeroshot" in base:
                a, b = r["zeroshot"]["balanced_accuracy"], base["zeroshot"]["balanced_accuracy"]
                c = chance.get(ds)
                lines.append(
                    f"- {model} on {ds}: zero-shot balanced accuracy {a:.3f} vs {b:.3f} ({a - b:+.3f})"
                    + (f", chance {c:.3f}" if c is not None else "")
                )
            if "retrieval" in r and "retrieval" in base:
                a, b = r["retrieval"]["t2i_R1"], base["retrieval"]["t2i_R1"]
                a2, b2 = r["retrieval"]["i2t_R1"], base["retrieval"]["i2t_R1"]
                lines.append(
                    f"- {model} on {ds}: R@1 text-to-image {a:.3f} vs {b:.3f}, image-to-text {a2:.3f} vs {b2:.3f}"
                )
    return lines if len(lines) > 3 else []
