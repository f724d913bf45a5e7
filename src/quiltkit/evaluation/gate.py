"""Metric-regression gate: fresh metrics/*.json against a baseline, under per-metric tolerances.

`dvc metrics diff` shows differences but cannot fail a build (it has no thresholds), so CI runs
this instead. The baseline is the committed version of each file (`git show <rev>:metrics/X`)
or a folder of JSON files. Tolerances are data (metrics/thresholds.yaml): each rule matches
dotted keys with a glob and says which direction is better and how much worse is tolerated.

Outcomes per baseline metric: ok, regression (fails), missing (fails when the rule requires
it), ignored, unchecked (no rule: reported so a new metric does not silently go unguarded).
"""

from __future__ import annotations

import fnmatch
import json
import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml


class GateConfigError(ValueError):
    """thresholds.yaml is malformed; the message names the file and rule."""


@dataclass(frozen=True)
class Rule:
    pattern: str
    direction: str  # higher | lower | ignore
    tolerance: float = 0.0
    required: bool = True

    def describe(self) -> str:
        if self.direction == "higher":
            return f"may drop by at most {self.tolerance:g} (higher is better)"
        return f"may rise by at most {self.tolerance:g} (lower is better)"


@dataclass
class Finding:
    file: str
    key: str
    status: str  # ok | regression | missing | ignored | unchecked | new
    old: float | None = None
    new: float | None = None
    rule: Rule | None = None

    def message(self) -> str:
        where = f"{self.file}:{self.key}"
        if self.status == "regression":
            delta = self.new - self.old if not math.isnan(self.new) else float("nan")
            return (
                f"REGRESSION {where}: {self.old:.6g} -> {self.new:.6g} "
                f"(change {delta:+.6g}; tolerance: {self.rule.describe()})"
            )
        if self.status == "missing" and self.key == "<file>":
            return f"MISSING {self.file}: in the baseline, but the fresh run produced none"
        if self.status == "missing":
            return f"MISSING {where}: was {self.old:.6g} in the baseline, absent from the fresh metrics"
        if self.status == "unchecked":
            return f"unchecked {where}: no rule in thresholds.yaml ({self.old} -> {self.new})"
        if self.status == "new":
            return f"new {where} = {self.new} (no baseline value)"
        return f"{self.status} {where}: {self.old} -> {self.new}"


@dataclass
class GateResult:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.status in ("regression", "missing")]

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self, verbose: bool = False) -> str:
        lines = [f.message() for f in self.failures]
        if verbose:
            lines += [f.message() for f in self.findings if f.status in ("unchecked", "new")]
        lines += self.notes
        n_ok = sum(f.status == "ok" for f in self.findings)
        lines.append(
            f"gate: {'PASS' if self.passed else 'FAIL'} ({n_ok} metrics within tolerance, {len(self.failures)} failing)"
        )
        return "\n".join(lines)


def flatten(obj, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of nested dicts as {"a.b.c": value}; lists and strings are not metrics."""
    out: dict[str, float] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool) and prefix:
        out[prefix[:-1]] = float(obj)
    return out


def load_rules(path: Path) -> dict[str, list[Rule]]:
    try:
        cfg = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise GateConfigError(f"{path}: cannot read: {err}") from None
    default_required = bool((cfg.get("defaults") or {}).get("required", True))
    files = cfg.get("files")
    if not isinstance(files, dict):
        raise GateConfigError(f"{path}: needs a 'files' mapping of <metrics file> -> list of rules")
    rules: dict[str, list[Rule]] = {}
    for fname, items in files.items():
        if not isinstance(items, list):
            raise GateConfigError(f"{path}: files.{fname} must be a list of rules")
        parsed = []
        for i, r in enumerate(items):
            where = f"{path}: files.{fname}[{i}]"
            if not isinstance(r, dict) or "pattern" not in r or "direction" not in r:
                raise GateConfigError(f"{where}: a rule needs 'pattern' and 'direction'")
            d = r["direction"]
            if d not in ("higher", "lower", "ignore"):
                raise GateConfigError(f"{where}: direction {d!r} is not higher|lower|ignore")
            tol_key = {"higher": "max_drop", "lower": "max_rise"}.get(d)
            tol = r.get(tol_key, 0.0) if tol_key else 0.0
            unknown = set(r) - {"pattern", "direction", "max_drop", "max_rise", "required"}
            wrong = {"higher": "max_rise", "lower": "max_drop"}.get(d)
            if unknown or (wrong and wrong in r):
                raise GateConfigError(
                    f"{where}: unexpected keys {sorted(unknown | ({wrong} & set(r)))} for direction {d}"
                )
            if not isinstance(tol, (int, float)) or tol < 0:
                raise GateConfigError(f"{where}: {tol_key} must be a number >= 0, got {tol!r}")
            parsed.append(Rule(str(r["pattern"]), d, float(tol), bool(r.get("required", default_required))))
        rules[fname] = parsed
    return rules


def match_rule(rules: list[Rule], key: str) -> Rule | None:
    for r in rules:
        if fnmatch.fnmatchcase(key, r.pattern):
            return r
    return None


def compare(fname: str, old: dict, new: dict, rules: list[Rule]) -> list[Finding]:
    old_f, new_f = flatten(old), flatten(new)
    findings = []
    for key, ov in sorted(old_f.items()):
        rule = match_rule(rules, key)
        nv = new_f.get(key)
        if rule is None:
            findings.append(Finding(fname, key, "unchecked", ov, nv))
        elif rule.direction == "ignore":
            findings.append(Finding(fname, key, "ignored", ov, nv, rule))
        elif nv is None:
            findings.append(Finding(fname, key, "missing" if rule.required else "ignored", ov, None, rule))
        else:
            worse = (ov - nv) if rule.direction == "higher" else (nv - ov)
            # NaN where a number was is a regression; 1e-12 absorbs float noise at the boundary.
            bad = (math.isnan(nv) and not math.isnan(ov)) or worse > rule.tolerance + 1e-12
            findings.append(Finding(fname, key, "regression" if bad else "ok", ov, nv, rule))
    for key in sorted(set(new_f) - set(old_f)):
        findings.append(Finding(fname, key, "new", None, new_f[key]))
    return findings


def git_baseline(metrics_file: Path, rev: str = "HEAD") -> dict | None:
    """The committed JSON at `rev`, or None when that file is not in the commit."""
    metrics_file = Path(metrics_file).resolve()
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=metrics_file.parent if metrics_file.parent.exists() else None,
        capture_output=True,
        text=True,
    )
    if top.returncode != 0:
        raise RuntimeError(f"not inside a git repository ({top.stderr.strip()}); pass --baseline DIR")
    rel = metrics_file.relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    shown = subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=top.stdout.strip(), capture_output=True, text=True)
    if shown.returncode != 0:
        return None
    return json.loads(shown.stdout)


def run_gate(
    metrics_dir: Path,
    thresholds: Path,
    baseline_dir: Path | None = None,
    rev: str = "HEAD",
    files: list[str] | None = None,
) -> GateResult:
    rules = load_rules(thresholds)
    result = GateResult()
    for fname in files or sorted(rules):
        if fname not in rules:
            result.notes.append(f"note {fname}: no rules in {thresholds}; its metrics are only listed as unchecked")
        fresh_path = Path(metrics_dir) / fname
        if baseline_dir is not None:
            bp = Path(baseline_dir) / fname
            old = json.loads(bp.read_text(encoding="utf-8")) if bp.exists() else None
        else:
            old = git_baseline(fresh_path, rev)
        if old is None:
            result.notes.append(f"note {fname}: no baseline (not committed yet); nothing to compare")
            continue
        if not fresh_path.exists():
            result.findings.append(Finding(fname, "<file>", "missing", float("nan")))
            continue
        new = json.loads(fresh_path.read_text(encoding="utf-8"))
        result.findings += compare(fname, old, new, rules.get(fname, []))
    return result
