"""What changed between two versions of the dataset: rows, images and their distributions.

`dvc metrics diff` says the dataset grew by 36 rows. A researcher who changed pairs.aligner, a
dedup threshold or the video list wants to know which rows, from which source and split, and
what kind: caption lengths, magnifications, sub-pathologies, keywords, and examples of rows that
entered or left. Both versions are read from outputs/dataset/metadata.parquet, the workspace's
or a git revision's (through DVC: the cache, else the remote), or a `dvc exp` experiment's.

A row is its image's content (sha256) and its caption, so a row that merely changed its id or
shard is the same row. An image is its sha256.
"""

from __future__ import annotations

import html
import io
import json
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

METADATA = "outputs/dataset/metadata.parquet"
LENGTH_BINS = [0, 5, 10, 20, 40, 80, 160, 10**9]  # caption length in words: left-closed bins
EXAMPLES = 5
TOP_KEYWORDS = 15


class CompareError(ValueError):
    """A version cannot be read; the message names it."""


def resolve_rev(rev: str, root: Path) -> str | None:
    """None for the workspace; a git revision as given; a `dvc exp` name as its commit."""
    if rev in ("workspace", "", "."):
        return None
    ok = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=root, capture_output=True, text=True
    )
    if ok.returncode == 0:
        return ok.stdout.strip()
    refs = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname) %(objectname)", "refs/exps"],
        cwd=root,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    hits = [ln.split()[1] for ln in refs if ln and ln.split()[0].rsplit("/", 1)[-1] == rev]
    if len(hits) == 1:
        return hits[0]
    raise CompareError(
        f"{rev!r} is neither a git revision nor a dvc experiment of {root}"
        + (f" (experiments named so: {len(hits)})" if hits else "")
    )


def load_metadata(rev: str, root: Path) -> pd.DataFrame:
    commit = resolve_rev(rev, root)
    if commit is None:
        path = root / METADATA
        if not path.is_file():
            raise CompareError(f"{path}: not found (run the dataset stage)")
        return pd.read_parquet(path)
    import dvc.api

    try:
        with dvc.api.open(METADATA, repo=str(root), rev=commit, mode="rb") as fh:
            return pd.read_parquet(io.BytesIO(fh.read()))
    except Exception as err:  # dvc raises a zoo: missing in cache and remote, no such path at rev
        raise CompareError(f"{METADATA} at {rev} ({commit[:10]}): {type(err).__name__}: {err}") from None


def _listed(v) -> list[str]:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return []
    return [str(x) for x in (list(v) if isinstance(v, (list, tuple, np.ndarray)) else [v]) if str(x)]


def row_keys(df: pd.DataFrame) -> pd.Series:
    return df["sha256"].astype(str) + "\x1f" + df["caption"].astype(str)


def _counts(values) -> dict:
    return dict(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def distributions(df: pd.DataFrame) -> dict:
    words = df["caption"].astype(str).str.split().str.len()
    hist = np.histogram(words, bins=LENGTH_BINS)[0]
    return {
        "rows": int(len(df)),
        "images": int(df["sha256"].nunique()),
        "rows_per_source_split": {
            s: {k: int(v) for k, v in g["split"].value_counts().sort_index().items()} for s, g in df.groupby("source")
        },
        "caption_words_mean": round(float(words.mean()), 3) if len(df) else 0.0,
        "caption_words_median": float(words.median()) if len(df) else 0.0,
        "caption_words_hist": {
            f"{a}-{b - 1 if b < 10**9 else 'inf'}": int(n) for a, b, n in zip(LENGTH_BINS, LENGTH_BINS[1:], hist)
        },
        "magnification": _counts(str(m) if isinstance(m, str) and m else "none" for m in df["magnification"]),
        "pathology": _counts(p for v in df["pathology"] for p in _listed(v)),
        "keywords": dict(list(_counts(k for v in df["keywords"] for k in _listed(v)).items())[:TOP_KEYWORDS]),
        "text_kind": _counts(df["text_kind"].astype(str)),
    }


def _example(r) -> dict:
    return {
        "source": str(r["source"]),
        "split": str(r["split"]),
        "video_id": str(r.get("video_id") or ""),
        "caption": str(r["caption"])[:200],
        "image": str(r["image_path"]),
    }


def compare_frames(a: pd.DataFrame, b: pd.DataFrame) -> dict:
    """The report's numbers: each version's distributions, and what entered and left."""
    ka, kb = row_keys(a), row_keys(b)
    entered, left = b[~kb.isin(set(ka))], a[~ka.isin(set(kb))]
    ia, ib = set(a["sha256"]), set(b["sha256"])
    da, db = distributions(a), distributions(b)
    per = {}
    for s in sorted(set(da["rows_per_source_split"]) | set(db["rows_per_source_split"])):
        sa, sb = da["rows_per_source_split"].get(s, {}), db["rows_per_source_split"].get(s, {})
        per[s] = {
            sp: {"a": sa.get(sp, 0), "b": sb.get(sp, 0), "delta": sb.get(sp, 0) - sa.get(sp, 0)}
            for sp in sorted(set(sa) | set(sb))
        }
    return {
        "a": da,
        "b": db,
        "delta": {
            "rows": db["rows"] - da["rows"],
            "images": db["images"] - da["images"],
            "rows_entered": int(len(entered)),
            "rows_left": int(len(left)),
            "images_entered": len(ib - ia),
            "images_left": len(ia - ib),
            "caption_words_mean": round(db["caption_words_mean"] - da["caption_words_mean"], 3),
            "rows_per_source_split": per,
            "rows_entered_per_source": _counts(entered["source"].astype(str)),
            "rows_left_per_source": _counts(left["source"].astype(str)),
        },
        "examples": {
            "entered": [_example(r) for _, r in entered.head(EXAMPLES).iterrows()],
            "left": [_example(r) for _, r in left.head(EXAMPLES).iterrows()],
        },
    }


# ------------------------------------------------------------------------------------ writing


def _table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(str(c) for c in r) + " |" for r in rows
    ]


def markdown(rep: dict, name_a: str, name_b: str) -> str:
    d, a, b = rep["delta"], rep["a"], rep["b"]
    out = [
        f"# Dataset {name_a} -> {name_b}",
        "",
        f"rows {a['rows']} -> {b['rows']} ({d['rows']:+d}; {d['rows_entered']} entered, {d['rows_left']} left); "
        f"images {a['images']} -> {b['images']} "
        f"({d['images']:+d}; {d['images_entered']} entered, {d['images_left']} left)",
        "",
        "## Rows per source and split",
        "",
    ]
    out += _table(
        ["source", "split", name_a, name_b, "delta"],
        [
            [s, sp, v["a"], v["b"], f"{v['delta']:+d}"]
            for s, sps in d["rows_per_source_split"].items()
            for sp, v in sps.items()
        ],
    )
    out += [
        "",
        "## Caption length (words)",
        "",
        f"mean {a['caption_words_mean']} -> {b['caption_words_mean']}, "
        f"median {a['caption_words_median']} -> {b['caption_words_median']}",
        "",
    ]
    out += _table(
        ["words", name_a, name_b],
        [[k, a["caption_words_hist"][k], b["caption_words_hist"].get(k, 0)] for k in a["caption_words_hist"]],
    )
    for key, title in (
        ("magnification", "Magnification"),
        ("pathology", "Sub-pathology"),
        ("keywords", "Keywords (top)"),
        ("text_kind", "Text kind"),
    ):
        keys = list(dict.fromkeys([*a[key], *b[key]]))
        out += ["", f"## {title}", ""] + _table(
            [key, name_a, name_b], [[k, a[key].get(k, 0), b[key].get(k, 0)] for k in keys]
        )
    for side in ("entered", "left"):
        out += ["", f"## Example rows that {side}", ""]
        out += (
            _table(
                ["source", "split", "video", "caption"],
                [
                    [e["source"], e["split"], e["video_id"], e["caption"].replace("|", "/")]
                    for e in rep["examples"][side]
                ],
            )
            if rep["examples"][side]
            else ["(none)"]
        )
    return "\n".join(out) + "\n"


def html_page(md_text: str, plots: list[str]) -> str:
    """The markdown, escaped, in a page with the plots: nothing from a caption reaches the page unescaped."""
    imgs = "".join(f'<p><img src="{html.escape(p, quote=True)}" alt="{html.escape(p, quote=True)}"></p>' for p in plots)
    return (
        "<!doctype html><meta charset='utf-8'><title>dataset comparison</title>"
        f"<pre style='white-space:pre-wrap'>{html.escape(md_text)}</pre>{imgs}\n"
    )


def write_report(rep: dict, name_a: str, name_b: str, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    a, b = rep["a"], rep["b"]
    bins = list(a["caption_words_hist"])
    # DVC plots data: one row per (bin, version), for `dvc plots show` or the report's PNG
    pd.DataFrame(
        [
            {"words": k, "version": n, "rows": side["caption_words_hist"].get(k, 0)}
            for n, side in ((name_a, a), (name_b, b))
            for k in bins
        ]
    ).to_csv(out / "caption_length.csv", index=False)
    plots = []
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    x = np.arange(len(bins))
    axes[0].bar(x - 0.2, [a["caption_words_hist"][k] for k in bins], 0.4, label=name_a)
    axes[0].bar(x + 0.2, [b["caption_words_hist"].get(k, 0) for k in bins], 0.4, label=name_b)
    axes[0].set_xticks(x, bins, rotation=30)
    axes[0].set_title("caption length (words)")
    axes[0].legend()
    per = rep["delta"]["rows_per_source_split"]
    labels = [f"{s.split(':')[0]}/{sp}" for s, sps in per.items() for sp in sps]
    y = np.arange(len(labels))
    axes[1].barh(y - 0.2, [v["a"] for sps in per.values() for v in sps.values()], 0.4, label=name_a)
    axes[1].barh(y + 0.2, [v["b"] for sps in per.values() for v in sps.values()], 0.4, label=name_b)
    axes[1].set_yticks(y, labels)
    axes[1].set_title("rows per source / split")
    fig.tight_layout()
    fig.savefig(out / "distributions.png", dpi=90)
    plt.close(fig)
    plots.append("distributions.png")
    md_text = markdown(rep, name_a, name_b)
    (out / "report.md").write_text(md_text, encoding="utf-8")
    (out / "report.html").write_text(html_page(md_text, plots), encoding="utf-8")
    (out / "report.json").write_text(json.dumps(rep, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return [out / f for f in ("report.md", "report.html", "report.json", "caption_length.csv", "distributions.png")]
