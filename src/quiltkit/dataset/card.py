"""The dataset card: one self-contained HTML page describing outputs/dataset.

Counts per source and split, what deduplication and the evaluation-leak filter removed, caption
length / magnification / sub-pathology distributions (inline SVG), and a browsable gallery of
sample pairs with small inline thumbnails, so the page can be mailed or attached to an MLflow
run and still show everything.

Captions and titles come from the internet. Every text put into the page goes through
html.escape, and the page carries a Content-Security-Policy that lets only its own script
(marked with a per-page nonce) run: even a text that escaped escaping could not execute.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from quiltkit.config import DatasetParams
from quiltkit.execution.context import Execution
from quiltkit.io import atomic_write_text
from quiltkit.tracking import provenance

THUMB = 160
GROUNDED_SAMPLES = 8  # grounded pairs shown in their own gallery
SPLITS = ("train", "val", "test")


def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def thumbnail_data_uri(path: Path, side: int = THUMB) -> str:
    with Image.open(path) as im:
        im = im.convert("RGB")
        im.thumbnail((side, side), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _present(v) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v) != ""


def _num(v) -> float:
    return float(v) if _present(v) else 0.0


def svg_bars(labels: list[str], values: list[int], title: str, width: int = 520, bar_h: int = 18) -> str:
    """A horizontal bar chart; labels escaped (they are data)."""
    if not values:
        return f"<p class='muted'>{esc(title)}: no data</p>"
    vmax = max(values) or 1
    label_w, pad = 170, 6
    h = len(values) * (bar_h + pad) + 28
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{h}' role='img' aria-label='{esc(title)}'>",
        f"<text x='0' y='14' class='svgtitle'>{esc(title)}</text>",
    ]
    for i, (lab, v) in enumerate(zip(labels, values)):
        y = 24 + i * (bar_h + pad)
        w = int((width - label_w - 60) * v / vmax)
        parts.append(
            f"<text x='{label_w - 6}' y='{y + bar_h - 5}' text-anchor='end' class='svglabel'>{esc(lab)[:40]}</text>"
        )
        parts.append(f"<rect x='{label_w}' y='{y}' width='{max(w, 1)}' height='{bar_h}' class='bar'/>")
        parts.append(f"<text x='{label_w + w + 4}' y='{y + bar_h - 5}' class='svglabel'>{int(v)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def length_histogram(words: list[int], bins: int = 12) -> tuple[list[str], list[int]]:
    if not words:
        return [], []
    edges = np.unique(np.linspace(0, max(words) + 1, bins + 1).astype(int))
    counts, edges = np.histogram(words, bins=edges)
    return [f"{edges[i]}-{edges[i + 1] - 1} words" for i in range(len(counts))], counts.tolist()


def pick_samples(df: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Deterministic, spread over sources: round-robin across sources, each in hash order."""
    if n <= 0 or df.empty:
        return df.iloc[0:0]
    order = df.assign(_h=[hashlib.sha256(f"{seed}:{p}".encode()).hexdigest() for p in df["pair_id"]])
    queues = {s: g.sort_values("_h").index.tolist() for s, g in order.groupby("source", sort=True)}
    picked = []
    while len(picked) < n and any(queues.values()):
        for s in sorted(queues):
            if queues[s] and len(picked) < n:
                picked.append(queues[s].pop(0))
    return df.loc[picked]


def _table(header: list[str], rows: list[list]) -> str:
    th = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{margin-bottom:0}.muted{color:#777}
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:24px}.bar{fill:#8e44ad}.svgtitle{font-weight:bold;font-size:13px}
.svglabel{font-size:11px}
.controls{margin:12px 0}.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px;background:#fafafa}
.card img{max-width:100%;display:block;margin:0 auto 6px}.cap{font-size:13px;white-space:pre-wrap;word-break:break-word}
.meta{font-size:11px;color:#555;margin-top:4px}.hidden{display:none}
.thumb{position:relative;display:block;width:fit-content;margin:0 auto 6px}.thumb img{margin:0}
.region{position:absolute;border:2px solid #f1c40f;box-shadow:0 0 0 1px #000;box-sizing:border-box}
"""

JS = """
(function(){
  var src=document.getElementById('f-source'), q=document.getElementById('f-text'), \
split=document.getElementById('f-split');
  var shown=document.getElementById('shown');
  function apply(){
    var n=0, needle=q.value.toLowerCase();
    document.querySelectorAll('#samples .card').forEach(function(c){
      var ok=(!src.value||c.dataset.source===src.value)&&(!split.value||c.dataset.split===split.value)
        &&(!needle||c.textContent.toLowerCase().indexOf(needle)>=0);
      c.classList.toggle('hidden',!ok); if(ok)n++;
    });
    shown.textContent=String(n);
  }
  [src,q,split].forEach(function(el){el.addEventListener('input',apply);});
  apply();
})();
"""


PROVENANCE_COLUMNS = ("url", "video_title", "channel", "uploader", "license", "upload_date")


def card_version(root: Path) -> dict:
    """Which dataset this card shows: the DVC hash of outputs/dataset (from dvc.lock, recorded
    when the dataset stage finished), the git commit and the params.yaml digest."""
    version = provenance.data_hashes(root, "card").get("dep:outputs/dataset") or "unknown (not built by dvc repro)"
    return {
        "dataset_version": version,
        "git_commit": provenance.git_commit(root),
        "params_digest": provenance.params_fingerprint(root),
    }


def _date(d) -> str:
    d = str(d or "")
    return f"{d[:4]}-{d[4:6]}-{d[6:]}" if len(d) == 8 and d.isdigit() else d


def videos_table(df: pd.DataFrame) -> list[list]:
    """One line per video in the dataset: where it came from and the time span its rows cover."""
    if not len(df) or "video_id" not in df:
        return []
    vids = df[df["video_id"].astype(str) != ""]
    out = []
    for vid, part in vids.groupby("video_id", sort=True):
        first = part.iloc[0]
        starts, ends = pd.to_numeric(part["start"], errors="coerce"), pd.to_numeric(part["end"], errors="coerce")
        span = f"{starts.min():.1f}-{ends.max():.1f} s" if starts.notna().any() and ends.notna().any() else ""
        out.append(
            [
                vid,
                *(
                    str(first.get(c, "") or "") if c != "upload_date" else _date(first.get(c))
                    for c in PROVENANCE_COLUMNS
                ),
                len(part),
                span,
            ]
        )
    return out


def _is_box(reg) -> bool:
    # parquet gives a list column back as arrays, and a row without a region as None
    return reg is not None and hasattr(reg, "__len__") and len(reg) == 4


def region_of(r) -> tuple[float, float, float, float] | None:
    """A row's region (shares of the image, dataset/rows.py), or None."""
    reg = r.get("region")
    return tuple(float(v) for v in reg) if _is_box(reg) else None


def sample_html(r, dataset_dir: Path) -> str:
    """One sample pair: its thumbnail, with the region its sentence points at outlined when it has one."""
    img = dataset_dir / "images" / f"{r['image_id']}.png"
    uri = thumbnail_data_uri(img) if img.exists() else ""
    when = ""
    if _present(r.get("video_id")):
        when = f"{r['video_id']} {_num(r.get('start')):.1f}-{_num(r.get('end')):.1f}s"
    patho = ", ".join(list(r["pathology"]) if r.get("pathology") is not None else [])
    mag = r.get("magnification") if _present(r.get("magnification")) else ""
    reg = region_of(r)
    box = ""
    if reg is not None:
        x0, y0, x1, y1 = (min(1.0, max(0.0, v)) * 100 for v in reg)
        box = (
            f"<div class='region' title='where the lecturer points' style='left:{x0:.2f}%;top:{y0:.2f}%;"
            f"width:{x1 - x0:.2f}%;height:{y1 - y0:.2f}%'></div>"
        )
    return (
        f"<div class='card' data-source='{esc(r['source'])}' data-split='{esc(r['split'])}'"
        f" data-grounded='{'1' if reg is not None else '0'}'>"
        f"<div class='thumb'><img src='{uri}' alt='{esc(r['image_id'])}' width='{THUMB}'>{box}</div>"
        f"<div class='cap'>{esc(r['caption'])}</div>"
        f"<div class='meta'>{esc(r['source'])} | {esc(r['split'])} | {esc(r['text_kind'])}"
        f"{' | ' + esc(when) if when else ''}{' | mag ' + esc(mag) if mag else ''}"
        f"{' | ' + esc(patho) if patho else ''}{' | pointed region' if reg is not None else ''}</div></div>"
    )


def render_card(dataset_dir: Path, samples: int, seed: int, version: dict | None = None) -> tuple[str, int, int]:
    """The page, the sample pairs it shows and the grounded pairs it shows in their own gallery."""
    df = pd.read_parquet(dataset_dir / "metadata.parquet")
    stats = json.loads((dataset_dir / "stats.json").read_text(encoding="utf-8"))
    nonce = hashlib.sha256(f"{seed}:{len(df)}:{stats.get('rows')}".encode()).hexdigest()[:24]

    sources = sorted(set(df["source"])) if len(df) else []
    count_rows = []
    for s in sources:
        part = df[df["source"] == s]
        count_rows.append(
            [s, len(part), part["image_id"].nunique(), *[int((part["split"] == sp).sum()) for sp in SPLITS]]
        )
    per_split = [int((df["split"] == sp).sum()) for sp in SPLITS] if len(df) else [0] * len(SPLITS)
    count_rows.append(["all", len(df), df["image_id"].nunique() if len(df) else 0, *per_split])
    filt = [
        ["exact duplicate images removed", stats.get("exact_dups", 0)],
        ["near-duplicate images removed", stats.get("near_dups", 0)],
        ["duplicate captions collapsed", stats.get("caption_dups_collapsed", 0)],
        ["images dropped: match an evaluation image", stats.get("eval_leak_images_dropped", 0)],
        ["evaluation images checked", stats.get("eval_images_checked", 0)],
        ["unreadable images", stats.get("unreadable_images", 0)],
    ]
    if stats.get("excluded_videos"):
        filt.append(
            [
                f"takedown list (dataset.exclude_videos): {len(stats['excluded_videos'])} video(s)",
                stats.get("excluded_rows", 0),
            ]
        )
    for src, reasons in stats.get("rows_skipped", {}).items():
        for why, n in reasons.items():
            filt.append([f"rows skipped ({why}): {src}", n])

    words = [len(str(c).split()) for c in df["caption"]] if len(df) else []
    wl, wc = length_histogram(words)
    mags = Counter((str(m) if _present(m) else "unknown") for m in df.get("magnification", []))
    paths = Counter(p for lst in df.get("pathology", []) for p in (list(lst) if lst is not None else []))
    top_paths = paths.most_common(20)

    version = version or {}
    licences = []
    for src in sources:
        part = df[df["source"] == src]
        lic = Counter(str(x) for x in part["license"] if _present(x) and str(x)) if "license" in part else Counter()
        licences.append(
            [
                src,
                len(part),
                "; ".join(f"{k} ({v} rows)" for k, v in sorted(lic.items())) or "not recorded by the source",
            ]
        )
    version_rows = [
        ["dataset version (DVC hash of outputs/dataset)", version.get("dataset_version", "unknown")],
        ["git commit", version.get("git_commit", "unknown")],
        ["params.yaml digest", version.get("params_digest", "unknown")],
        # the dataset's own build time, from its file: stats.json holds no clock, so that
        # a rebuild from the same inputs is byte-identical (and DVC's hash with it)
        [
            "built (UTC)",
            datetime.fromtimestamp((dataset_dir / "metadata.parquet").stat().st_mtime, timezone.utc).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
        ],
    ]

    chosen = pick_samples(df, samples, seed)
    cards = [sample_html(r, dataset_dir) for _, r in chosen.iterrows()]
    # Grounded pairs get a gallery of their own: a random sample of a corpus where few sentences
    # point would rarely show one, and these are the rows a region-level model trains on.
    # one pass over the column, not df.iterrows(): a Quilt-sized dataset has a million rows
    grounded_df = df[df["region"].map(_is_box)] if "region" in df else df.iloc[0:0]
    grounded = [sample_html(r, dataset_dir) for _, r in pick_samples(grounded_df, GROUNDED_SAMPLES, seed).iterrows()]
    grounded_html = (
        f"<p class='muted'>{len(grounded_df)} of {len(df)} rows carry the region their sentence points at "
        "(the lecturer's pointer while it is spoken, outlined in yellow).</p>"
        f"<div class='gallery' id='grounded'>{''.join(grounded)}</div>"
        if grounded
        else "<p class='muted'>No row carries a pointed region (no pointer was tracked while a sentence "
        "was spoken).</p>"
    )

    opts = "".join(f"<option value='{esc(s)}'>{esc(s)}</option>" for s in sources)
    split_opts = "".join(f"<option value='{s}'>{s}</option>" for s in SPLITS)
    csp = (
        f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; "
        "base-uri 'none'; form-action 'none'"
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>quiltkit dataset card</title><style>{CSS}</style></head>
<body>
<h1>quiltkit dataset card</h1>
<p class="muted">{esc(len(df))} image-text rows over {esc(stats.get("images", 0))} images; images at most
{esc(stats.get("image_size"))} px; near duplicates within {esc(stats.get("near_dup_hamming"))} pHash bits; \
split seed {esc(stats.get("seed"))}.</p>
<h2 id="provenance">Provenance</h2>
{_table(["field", "value"], version_rows)}
<h3>Sources and their licences</h3>
{_table(["source", "rows", "licence"], licences)}
<h3>Videos</h3>
{
        _table(
            ["video", "url", "title", "channel", "uploader", "licence", "upload date", "rows", "time span"],
            videos_table(df),
        )
    }
<h2>Rows per source and split</h2>
{_table(["source", "rows", "images", *SPLITS], count_rows)}
<h2>What curation removed</h2>
{_table(["filter", "count"], filt)}
<h2>Distributions</h2>
<div class="charts">
{svg_bars(wl, wc, "caption length (words)")}
{svg_bars([k for k, _ in sorted(mags.items())], [v for _, v in sorted(mags.items())], "magnification")}
{svg_bars([k for k, _ in top_paths], [v for _, v in top_paths], "sub-pathology (rows)")}
</div>
<h2 id="regions">Where the lecturer points</h2>
{grounded_html}
<h2>Sample pairs (<span id="shown">{len(cards)}</span> of {len(cards)} shown)</h2>
<div class="controls">
<label>source <select id="f-source"><option value="">all</option>{opts}</select></label>
<label>split <select id="f-split"><option value="">all</option>{split_opts}</select></label>
<label>text <input id="f-text" type="search" placeholder="filter captions"></label>
</div>
<div class="gallery" id="samples">
{"".join(cards)}
</div>
<script nonce="{nonce}">{JS}</script>
</body></html>
"""
    return page, len(cards), len(grounded)


def build_card(dataset_dir: Path, out_html: Path, samples: int, seed: int, version: dict | None = None) -> dict:
    page, shown, grounded = render_card(dataset_dir, samples, seed, version)
    atomic_write_text(out_html, page)
    return {"samples_shown": shown, "grounded_shown": grounded, "bytes": len(page.encode("utf-8"))}


def run_card(params: DatasetParams, dataset_dir: Path, out_html: Path, execution: Execution = Execution()) -> dict:
    """The card stage's driver (here, not in dataset/stage_run.py, so the stage depends on this
    module alone, not on the dataset build's): a self-contained page of the dataset in
    dataset_dir, its samples drawn from execution.seed, its version read from the workspace's
    dvc.lock (execution.root)."""
    version = card_version(execution.root)
    return build_card(dataset_dir, out_html, params.card_samples, execution.seed, version)
