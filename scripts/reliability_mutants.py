"""Mutation check of docs/RELIABILITY.md: does each row's test fail on a build that breaks the row?

For every mutant of scripts/reliability_mutants.yaml (or those whose row matches --only): copy the
repository's files (git ls-files: tracked plus untracked-not-ignored, as they are in the working
tree now; data/raw symlinked) into a temp dir, replace the mutant's `old` snippet (which must occur
exactly once) by `new` in its file, and run its test there with the project's venv python and
PYTHONPATH=<copy>/src. A failing test "kills" the mutant (good); a passing one lets it survive (the
test does not prove its row). With --baseline the test is first run unmutated in the same copy and
must pass (once per distinct test id per invocation; later mutants of that test reuse the result).

    .venv/bin/python scripts/reliability_mutants.py              # all mutants (not the slow ones)
    .venv/bin/python scripts/reliability_mutants.py --list
    .venv/bin/python scripts/reliability_mutants.py --only "disk" --baseline
    .venv/bin/python scripts/reliability_mutants.py --check      # validate the table only, run no test

Writes metrics/reliability_mutants.json (no timings: those go to stdout only). Exit status 1 if a
mutant survived, a test errored/skipped/timed out, or (with --baseline) a baseline failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "scripts" / "reliability_mutants.yaml"
OUT = ROOT / "metrics" / "reliability_mutants.json"
VENV_PY = ROOT / ".venv" / "bin" / "python"
DEFAULT_TIMEOUT = 900
REQUIRED = ("row", "test", "file", "old", "new", "why")


class TableError(ValueError):
    pass


# ------------------------------------------------------------------------------------ the table


def load_table(path: Path) -> tuple[list[dict], list[dict]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    mutants = doc.get("mutants") or []
    for i, m in enumerate(mutants):
        missing = [k for k in REQUIRED if not isinstance(m.get(k), str) or not m[k]]
        if missing:
            raise TableError(f"{path}: mutant #{i} ({m.get('row')!r}) lacks {missing}")
        if not m["file"].startswith(("src/", "stages/")):
            raise TableError(f"{path}: mutant #{i} ({m['row']!r}): file {m['file']} is not under src/ or stages/")
        if m["old"] == m["new"]:
            raise TableError(f"{path}: mutant #{i} ({m['row']!r}): old and new are the same")
    return mutants, doc.get("not_mutated") or []


def mutate(text: str, m: dict) -> str:
    n = text.count(m["old"])
    if n != 1:
        raise TableError(
            f"{m['file']}: the snippet of mutant {m['row']!r} occurs {n} times (must be exactly once):\n{m['old']}"
        )
    return text.replace(m["old"], m["new"], 1)


def module_name(rel: str) -> str | None:
    """quiltkit.x.y for src/quiltkit/x/y.py; None for a stage script (importing one runs nothing,
    but its __main__ block is all it has)."""
    if not rel.startswith("src/") or not rel.endswith(".py"):
        return None
    parts = Path(rel[len("src/") : -len(".py")]).parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# ------------------------------------------------------------------------------- the repo copy


def repo_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


def copy_repo(dest: Path, git_index: bool = False) -> None:
    """The repository's files into dest. `git_index`: also a git repository whose index holds them
    (no commit), for a test that lists the files of its repository with git ls-files itself."""
    for rel in repo_files():
        dst = dest / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dst, follow_symlinks=False)
    raw = ROOT / "data" / "raw"
    if raw.exists():  # git-ignored (data.dvc), needed by the demo renderer the tests use
        (dest / "data").mkdir(exist_ok=True)
        (dest / "data" / "raw").symlink_to(raw, target_is_directory=True)
    if git_index:
        for cmd in (["git", "init", "-q"], ["git", "add", "-A"]):
            subprocess.run(cmd, cwd=dest, check=True, capture_output=True, timeout=120)


def env_for(copy: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_")) and k != "QUILTKIT_REPO_ROOT"}
    env.update(
        {
            "PYTHONPATH": str(copy / "src"),
            "HF_HUB_OFFLINE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PATH": f"{VENV_PY.parent}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    return env


# ------------------------------------------------------------------------------------ running


def run_group(cmd: list[str], cwd: Path, env: dict, timeout: float) -> tuple[int | None, str]:
    """(exit status or None on timeout, stdout+stderr); the whole process group dies on timeout."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace")
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        return None, out.decode(errors="replace")
    finally:
        try:  # anything the test left running in its group (a stage, a DVC worker)
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


_COUNTS = re.compile(r"(\d+) (passed|failed|errors?|skipped|deselected|xfailed|xpassed)")


def pytest_outcome(rc: int | None, out: str) -> str:
    """passed | failed | error | skipped | timeout | none (no test ran)."""
    if rc is None:
        return "timeout"
    tail = "\n".join(out.strip().splitlines()[-3:])
    counts = {}
    for n, kind in _COUNTS.findall(tail):
        counts[kind.rstrip("s") if kind.startswith("error") else kind] = int(n)
    if counts.get("failed"):
        return "failed"
    if counts.get("error"):
        return "error"
    if counts.get("passed") and rc == 0:
        return "passed"
    if counts.get("skipped"):
        return "skipped"
    return "none" if rc in (4, 5) else ("passed" if rc == 0 else "error")


_WHERE = re.compile(r"^(\S+\.py):(\d+): (\w+(Error|Exception|Failed|Timeout)\w*)$")


def excerpt(out: str, width: int = 300) -> str:
    """What the failing assertion said: the first lines of the last block of pytest's "E   ..."
    lines (the assertion and its first explanation lines, each cut to `width`), and where it
    failed (file:line); else pytest's FAILED/ERROR summary line."""
    lines = out.splitlines()
    blocks, cur = [], []
    for ln in lines:
        if ln.startswith("E "):
            cur.append(ln[1:].strip())
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    where = [m.group(1) + ":" + m.group(2) for m in map(_WHERE.match, lines) if m]
    if blocks:
        block = [b for b in blocks[-1] if b]
        # the assertion's first lines and, for a long message (a stage's stderr), its last one
        picked = block[:3] + (["..."] + block[-1:] if len(block) > 4 else block[3:])
        shown = [b[:width] + ("..." if len(b) > width else "") for b in picked]
        return "\n".join(shown + ([f"at {where[-1]}"] if where else []))
    summary = [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))]
    return ("\n".join(summary[-2:]) or "\n".join(lines[-4:]))[-1000:]


def run_test(
    copy: Path, test: str, timeout: float, tag: str, log: Path | None = None, extra: list[str] | None = None
) -> tuple[str, str]:
    basetemp = copy.parent / f"pytest-{tag}"
    cmd = [
        str(VENV_PY),
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-rfEs",
        f"--basetemp={basetemp}",
        *(extra or []),
        test,
    ]
    rc, out = run_group(cmd, copy, env_for(copy), timeout)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(out)
    unmount_under(basetemp)  # a tmpfs of the disk-full tests, if the test was killed inside it
    shutil.rmtree(basetemp, ignore_errors=True)  # frames, clips, DVC repos: hundreds of MB
    return pytest_outcome(rc, out), out


def check_mutant(copy: Path, m: dict) -> str | None:
    """Apply the mutant in `copy`; None if it compiles (and its module imports), else why not."""
    target = copy / m["file"]
    text = mutate(target.read_text(encoding="utf-8"), m)
    target.write_text(text, encoding="utf-8")
    try:
        compile(text, str(target), "exec")
    except SyntaxError as err:
        return f"syntax error: {err}"
    mod = module_name(m["file"])
    if mod:
        rc, out = run_group([str(VENV_PY), "-c", f"import {mod}"], copy, env_for(copy), 300)
        if rc != 0:
            return f"import {mod} failed: {out.strip().splitlines()[-1] if out.strip() else rc}"
    return None


def unmount_under(path: Path) -> None:
    """Lazily unmount whatever is mounted below `path` (deepest first)."""
    try:
        mounts = [ln.split()[1] for ln in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return
    prefix = str(path.resolve()) + "/"
    for mp in sorted((m.replace("\\040", " ") for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], capture_output=True, check=False, timeout=30)


def run_one(
    m: dict, baseline: bool, keep: bool, default_timeout: float, baselines: dict | None = None, logs: Path | None = None
) -> dict:
    """One mutant in a fresh copy. With `baseline`, the unmutated test runs first in that same copy,
    once per distinct test id per invocation: `baselines` (test id -> (passed, excerpt)) keeps the
    result for the next mutant of the same test."""
    baselines = {} if baselines is None else baselines
    timeout = float(m.get("timeout", default_timeout))
    extra = [str(a) for a in m.get("pytest_args") or []]
    work = Path(tempfile.mkdtemp(prefix="qk-mutant-"))
    copy = work / "repo"
    copy.mkdir()
    rec = {
        "row": m["row"],
        "test": m["test"],
        "file": m["file"],
        "why": m["why"],
        "killed": False,
        "baseline_passed": None,
        "outcome": "",
        "failure_excerpt": "",
    }
    try:
        copy_repo(copy, git_index=bool(m.get("git_index")))
        if baseline:
            if m["test"] not in baselines:
                got, out = run_test(copy, m["test"], timeout, "baseline", logs and logs / "baseline.log", extra)
                baselines[m["test"]] = (got, excerpt(out) if got != "passed" else "")
            got, why = baselines[m["test"]]
            rec["baseline_passed"] = got == "passed"
            if got != "passed":
                rec["outcome"] = f"baseline {got}"
                rec["failure_excerpt"] = why
                return rec
        broken = check_mutant(copy, m)
        if broken:
            rec["outcome"] = "invalid mutant"
            rec["failure_excerpt"] = broken
            return rec
        got, out = run_test(copy, m["test"], timeout, "mutant", logs and logs / "mutant.log", extra)
        rec["killed"] = got == "failed"
        rec["outcome"] = {"failed": "killed", "passed": "survived"}.get(got, got)
        rec["failure_excerpt"] = excerpt(out) if got != "passed" else ""
        return rec
    finally:
        unmount_under(work)
        if keep:
            print(f"    kept {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------------------- main


def select(mutants: list[dict], only: list[str] | None, include_slow: bool) -> list[dict]:
    chosen = []
    for m in mutants:
        if only and not any(s.lower() in m["row"].lower() or s.lower() in m["test"].lower() for s in only):
            continue
        if m.get("slow") and not include_slow and not only:
            continue
        chosen.append(m)
    return chosen


def validate(mutants: list[dict]) -> list[str]:
    """Problems with the table against the working tree as it is: a snippet not there exactly
    once, a mutant that does not compile or import, a test file that does not exist."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="qk-mutant-check-") as tmp:
        for m in mutants:
            test_file = m["test"].split("::")[0]
            if not (ROOT / test_file).is_file():
                problems.append(f"{m['row']}: test file {test_file} does not exist")
            src = ROOT / m["file"]
            if not src.is_file():
                problems.append(f"{m['row']}: {m['file']} does not exist")
                continue
            copy = Path(tmp) / "repo"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copytree(ROOT / "stages", copy / "stages", ignore=shutil.ignore_patterns("__pycache__"))
            try:
                why = check_mutant(copy, m)
            except TableError as err:
                why = str(err)
            if why:
                problems.append(f"{m['row']} ({m['file']}): {why}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--table", type=Path, default=TABLE)
    ap.add_argument("--out", type=Path, default=OUT, help="the JSON result (default metrics/reliability_mutants.json)")
    ap.add_argument(
        "--only",
        action="append",
        metavar="ROW_SUBSTRING",
        help="run the mutants whose row (or test id) contains this, case-insensitive; repeatable",
    )
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--check", action="store_true", help="validate the table (snippets, compile, import) and exit")
    ap.add_argument(
        "--baseline", action="store_true", help="first run each test unmutated in the same copy; it must pass"
    )
    ap.add_argument("--include-slow", action="store_true", help="also the mutants marked slow (the end-to-end test)")
    ap.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per pytest run unless the entry says"
    )
    ap.add_argument("--keep", action="store_true", help="keep each temp copy (and its pytest logs)")
    ap.add_argument(
        "--logs",
        type=Path,
        default=Path(tempfile.gettempdir()) / "qk-mutant-logs",
        help="where each run's pytest output is kept, <n>-<row>/{baseline,mutant}.log",
    )
    ap.add_argument(
        "--merge",
        action="store_true",
        help="update the mutants of this run in an existing --out file, keeping the others' results",
    )
    args = ap.parse_args(argv)

    mutants, not_mutated = load_table(args.table)
    chosen = select(mutants, args.only, args.include_slow)
    if args.list:
        for i, m in enumerate(mutants, 1):
            mark = " " if m in chosen else "-"
            print(f"{mark}{i:3d}  {m['row']:<48} {m['file']:<42} {m['test'].split('/')[-1]}")
            print(f"       {m['why']}")
        for r in not_mutated:
            print(f"  ---  {r['row']:<48} (not mutated) {r['test']}")
        return 0
    if not chosen:
        print("no mutant matches", file=sys.stderr)
        return 2
    problems = validate(chosen)
    if problems:
        print("the mutant table does not fit the working tree:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    if args.check:
        print(f"{len(chosen)} mutant(s) apply once, compile and import")
        return 0

    from rich.console import Console

    # a SIGTERM (kill of this script) unwinds like Ctrl-C, so the running test's group is killed too
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    console = Console(highlight=False, soft_wrap=True)
    results, baselines = [], {}
    t_all = time.monotonic()
    for i, m in enumerate(chosen, 1):
        console.print(f"[{i}/{len(chosen)}] {m['row']} :: {m['test'].split('::')[-1]} :: {m['why']}")
        t0 = time.monotonic()
        slug = re.sub(r"[^A-Za-z0-9]+", "-", m["row"]).strip("-")[:50]
        rec = run_one(
            m, args.baseline, args.keep, args.timeout, baselines, args.logs / f"{mutants.index(m) + 1:02d}-{slug}"
        )
        results.append(rec)
        style = "green" if rec["killed"] else "red"
        base = (
            "" if rec["baseline_passed"] is None else f", baseline {'passed' if rec['baseline_passed'] else 'FAILED'}"
        )
        console.print(
            f"    [{style}]{rec['outcome'].upper()}[/{style}]{base} in {time.monotonic() - t0:.0f} s"
            + (f": {rec['failure_excerpt'].splitlines()[0][:200]}" if rec["failure_excerpt"] else "")
        )
        write_results(
            args.out, results, not_mutated, mutants if args.merge else None
        )  # after every mutant: a long run is readable while it goes
    wall = time.monotonic() - t_all
    killed = sum(r["killed"] for r in results)
    survived = sum(r["outcome"] == "survived" for r in results)
    other = len(results) - killed - survived
    console.print(
        f"{killed} killed, {survived} survived, {other} not judged (error/skip/timeout/baseline) "
        f"of {len(results)} mutant(s); wall {wall:.0f} s; wrote {args.out}"
    )
    for r in results:
        if not r["killed"]:
            console.print(f"  [red]{r['outcome']}[/red]: {r['row']} -> {r['test']}: {r['why']}")
    return 0 if survived == 0 and other == 0 else 1


def _key(r: dict) -> tuple:
    return (r["row"], r["test"], r["file"], r["why"])


def write_results(path: Path, results: list[dict], not_mutated: list[dict], table: list[dict] | None = None) -> None:
    """The JSON result. With `table` (--merge), the earlier results in `path` of mutants still in
    the table are kept where this run did not redo them, in the table's order."""
    if table is not None and path.exists():
        earlier = {_key(r): r for r in json.loads(path.read_text()).get("mutants", [])}
        earlier.update({_key(r): r for r in results})
        results = [earlier[_key(m)] for m in table if _key(m) in earlier]
    doc = {
        "mutants": results,
        "killed": sum(r["killed"] for r in results),
        "survived": sum(r["outcome"] == "survived" for r in results),
        "not_judged": sum(not r["killed"] and r["outcome"] != "survived" for r in results),
        "not_mutated": [{"row": r["row"], "test": r["test"], "why": r["why"]} for r in not_mutated],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
