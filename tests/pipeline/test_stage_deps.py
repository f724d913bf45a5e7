"""dvc.yaml tells DVC the truth: every stage depends on every project module its script runs.

The closure is derived from the code: the stage script's imports of quiltkit, then theirs, and
so on, counting imports inside functions too (they run when the stage calls them) and the
__init__.py of every package on the way (Python runs those first). A dep covers a module when it
is the module's file or a folder above it. A module missing from a stage's deps is a change
`dvc status` would not see: the test names the stage and the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"


def module_file(name: str) -> Path | None:
    """The file of module `quiltkit.a.b` under src/, or None when it is not one (a name imported
    from a module, not a submodule)."""
    base = SRC.joinpath(*name.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def _package_inits(f: Path) -> list[Path]:
    out, d = [], f.parent
    while d != SRC and d.is_relative_to(SRC):
        init = d / "__init__.py"
        if init.is_file():
            out.append(init)
        d = d.parent
    return out


def _module_name(f: Path) -> str:
    rel = f.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_files(f: Path) -> set[Path]:
    """The quiltkit modules one file imports, anywhere in it."""
    tree = ast.parse(f.read_text(encoding="utf-8"), filename=str(f))
    here = _module_name(f) if f.is_relative_to(SRC) else ""
    package = here if f.name == "__init__.py" else here.rpartition(".")[0]
    out: set[Path] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if package else []
                mod = ".".join([*base, mod] if mod else base)
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]
        for n in names:
            if n == "quiltkit" or n.startswith("quiltkit."):
                # importing a.b.c runs a, a.b and a.b.c
                parts = n.split(".")
                for i in range(1, len(parts) + 1):
                    mf = module_file(".".join(parts[:i]))
                    if mf is not None:
                        out.add(mf)
    return out


def closure(script: Path) -> set[Path]:
    seen: set[Path] = set()
    todo = [script]
    while todo:
        f = todo.pop()
        for g in imported_files(f) | set(_package_inits(f)):
            if g not in seen:
                seen.add(g)
                todo.append(g)
    return seen


def _stages() -> list[tuple[str, dict, Path]]:
    out = []
    for dvc_file in (ROOT / "dvc.yaml", ROOT / "demo" / "dvc.yaml"):
        for name, st in (yaml.safe_load(dvc_file.read_text()) or {})["stages"].items():
            out.append((name, st, dvc_file))
    return out


def _script(st: dict) -> Path:
    words = st["cmd"].split()
    return ROOT / next(w for w in words if w.startswith("stages/") and w.endswith(".py"))


# The data files a module reads at run time, next to it in src/ (each module names its own with
# Path(__file__)): a stage that runs the module depends on them as much as on its code.
DATA = {
    "quiltkit/config.py": ["quiltkit/demo/data/tissue_classes.yaml"],
    "quiltkit/demo/tissue_classes.py": ["quiltkit/demo/data/tissue_classes.yaml"],
    "quiltkit/demo/styles.py": ["quiltkit/demo/data/styles.yaml"],
    "quiltkit/demo/narration.py": ["quiltkit/demo/data/narration.yaml"],
    "quiltkit/demo/slide_styles.py": ["quiltkit/demo/data/slide_styles.yaml"],
    "quiltkit/demo/captions.py": ["quiltkit/demo/data/captions.yaml"],
    "quiltkit/demo/lecture.py": ["quiltkit/demo/data/lecture.yaml"],
    "quiltkit/model/prompts.py": ["quiltkit/model/templates"],
    "quiltkit/model/factory.py": ["quiltkit/model/configs"],
    "quiltkit/evaluation/classnames.py": ["quiltkit/evaluation/data/classnames"],
    "quiltkit/evaluation/adapters/folders.py": ["quiltkit/evaluation/data/folder_sets.yaml"],
    "quiltkit/evaluation/adapters/named_folders.py": ["quiltkit/evaluation/data/folder_sets.yaml"],
    "quiltkit/text/vocabulary.py": ["quiltkit/text/data"],
    "quiltkit/text/correction.py": ["quiltkit/text/data/common_words.txt"],
    "quiltkit/text/llm.py": ["quiltkit/text/prompts"],
    "quiltkit/speech/models.py": ["quiltkit/speech/asr_models.json"],
}


def needed(st: dict) -> list[Path]:
    """The modules the stage's script runs, and the data files those modules read."""
    mods = closure(_script(st))
    data = {SRC / d for m in mods for d in DATA.get(str(m.relative_to(SRC)) if m.is_relative_to(SRC) else "", [])}
    return sorted(mods | data)


def missing_deps(st: dict) -> list[str]:
    deps = [str(d) for d in st.get("deps", []) if not str(d).startswith("${")]
    covered = [(ROOT / d).resolve() for d in deps]
    missing = []
    for f in needed(st):
        r = f.resolve()
        if not any(r == c or r.is_relative_to(c) for c in covered):
            missing.append(str(f.relative_to(ROOT)))
    return missing


@pytest.mark.parametrize("name,stage,dvc_file", _stages(), ids=[s[0] for s in _stages()])
def test_stage_depends_on_every_module_it_runs(name, stage, dvc_file):
    missing = missing_deps(stage)
    assert not missing, f"{dvc_file.relative_to(ROOT)}: stage {name!r} runs {missing} but does not list them in deps"


def test_every_data_file_named_is_there():
    # a module that finds files next to itself is in DATA, so its stages' deps are checked for them
    readers = {str(f.relative_to(SRC)) for f in SRC.rglob("*.py") if "Path(__file__)" in f.read_text(encoding="utf-8")}
    assert readers <= set(DATA), f"modules reading data next to them, not in DATA: {sorted(readers - set(DATA))}"
    for module, files in DATA.items():
        assert (SRC / module).is_file(), module
        for d in files:
            assert (SRC / d).exists(), f"{module} reads {d}, which is not there"


def test_the_closure_sees_function_level_and_relative_imports(tmp_path):
    # the detector itself: a stage that imports a module only inside a function still runs it
    mods = closure(ROOT / "stages" / "release.py")
    rel = {str(m.relative_to(SRC)) for m in mods}
    assert {
        "quiltkit/release/stage_run.py",
        "quiltkit/release/rebuild.py",
        "quiltkit/video/download.py",
        "quiltkit/stage.py",
        "quiltkit/__init__.py",
        "quiltkit/release/__init__.py",
    } <= rel
    planted = {"cmd": "python stages/release.py", "deps": ["stages/release.py", "src/quiltkit/release"]}
    assert "src/quiltkit/video/download.py" in missing_deps(planted)


# Params that change how a stage runs, not what it writes: where the work goes and who records it.
HOW_NOT_WHAT = {
    "project.workers",
    "project.executor",
    "project.ray_address",
    "project.mlflow_tracking_uri",
    "project.mlflow_experiment",
}


def params_read(script: Path) -> set[str]:
    """Dotted params keys the stage script reads: attribute chains on ctx.params, or on a name
    bound to it (p = ctx.params), down to the section or key it names."""
    tree = ast.parse(script.read_text(encoding="utf-8"))
    aliases = {"params"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) and node.value.attr == "params":
            aliases |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    keys: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain, cur = [], node
        while isinstance(cur, ast.Attribute):
            chain.append(cur.attr)
            cur = cur.value
        chain.reverse()
        if isinstance(cur, ast.Name) and cur.id in aliases and cur.id != "params":
            path = chain
        elif isinstance(cur, ast.Name) and chain[:1] == ["params"]:
            path = chain[1:]
        else:
            continue
        if path and not any(path[-1].startswith(m) for m in ("model_", "__")):
            keys.add(".".join(path))
    # keep the longest chains only: p.frames.histology read as a whole covers p.frames too
    return {k for k in keys if not any(o != k and o.startswith(k + ".") for o in keys)}


def missing_params(st: dict) -> list[str]:
    listed = []
    for entry in st.get("params", []):
        listed += [entry] if isinstance(entry, str) else [k for v in entry.values() for k in (v or [])] or list(entry)
    listed = [k for k in listed if k != "params.yaml"]
    whole_file = any(isinstance(e, dict) and "params.yaml" in e and not e["params.yaml"] for e in st.get("params", []))
    if whole_file:
        return []
    out = []
    for k in sorted(params_read(_script(st)) - HOW_NOT_WHAT):
        if not any(k == l or k.startswith(l + ".") for l in listed):
            out.append(k)
    return out


@pytest.mark.parametrize("name,stage,dvc_file", _stages(), ids=[s[0] for s in _stages()])
def test_stage_lists_every_param_its_script_reads(name, stage, dvc_file):
    missing = missing_params(stage)
    assert not missing, f"{dvc_file.relative_to(ROOT)}: stage {name!r} reads params {missing} but does not list them"
