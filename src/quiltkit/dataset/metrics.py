"""metrics/dataset.json: the numbers worth diffing between experiments, from stats.json.

DVC metrics must be flat-ish numbers to diff well, so nested counts become dotted keys.
"""

from __future__ import annotations


def dataset_metrics(stats: dict) -> dict:
    m = {
        k: stats[k]
        for k in (
            "rows",
            "images",
            "exact_dups",
            "near_dups",
            "caption_dups_collapsed",
            "eval_leak_images_dropped",
            "eval_leak_rows_dropped",
            "eval_images_checked",
            "unreadable_images",
        )
    }
    m["rows_per_split"] = stats["rows_per_split"]
    m["images_per_split"] = stats["images_per_split"]
    m["rows_per_source_split"] = stats["rows_per_source_split"]
    m["rows_skipped"] = {src: sum(v.values()) for src, v in stats["rows_skipped"].items()}
    m["eval_sets_missing"] = len(stats["eval_sets_missing"])
    for kind, v in stats.get("planted_duplicates", {}).items():
        m[f"planted_{kind}_dups_merged"] = round(v["merged"] / v["present"], 4) if v["present"] else None
    return m
