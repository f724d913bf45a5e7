"""Titles, descriptions, captions and ids come from the internet: untrusted data.

Static checks walk the syntax tree of every module (not a grep that a comment could satisfy or
a line break could dodge); dynamic ones feed hostile strings through the real stages.
"""

from __future__ import annotations

import ast
import html
import json
import logging
import shutil
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.reliability.bad_corpus import dir_listing
from tests.reliability.conftest import ROOT

CODE_DIRS = [ROOT / "src", ROOT / "stages", ROOT / "scripts"]
XSS = "<img src=x onerror=alert(1)>"
SECRET = "sk-live-4b1e9d0c-quiltkit-never-log"


def _calls():
    """(file, line, dotted callee, ast.Call) for every call in the code base."""
    for d in CODE_DIRS:
        for f in sorted(d.rglob("*.py")):
            tree = ast.parse(f.read_text(encoding="utf-8"), filename=str(f))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    yield f.relative_to(ROOT), node.lineno, ast.unparse(node.func), node


def _kw(node: ast.Call, name: str):
    for k in node.keywords:
        if k.arg == name:
            return k.value
    return None


def test_code_base_is_parsed():
    # the checks below mean something only if they see the code: guard against an empty walk
    names = {c for _, _, c, _ in _calls()}
    assert {"subprocess.run", "write_json", "torch.load", "yaml.safe_load"} <= names


def test_no_shell_strings_anywhere():
    bad = []
    for f, line, callee, node in _calls():
        if callee in (
            "os.system",
            "os.popen",
            "commands.getoutput",
            "subprocess.getoutput",
            "subprocess.getstatusoutput",
        ):
            bad.append(f"{f}:{line}: {callee}")
        if callee.startswith("subprocess.") or callee in ("Popen", "run", "check_output", "check_call", "call"):
            shell = _kw(node, "shell")
            if shell is not None and not (isinstance(shell, ast.Constant) and shell.value is False):
                bad.append(f"{f}:{line}: {callee}(shell=...)")
            if callee.startswith("subprocess.") and node.args and isinstance(node.args[0], (ast.JoinedStr, ast.BinOp)):
                bad.append(f"{f}:{line}: {callee} with a command built as a string")
    assert not bad, bad


def test_yaml_is_always_loaded_safely():
    bad = []
    for f, line, callee, node in _calls():
        if callee in ("yaml.unsafe_load", "yaml.full_load", "yaml.load_all", "yaml.unsafe_load_all"):
            bad.append(f"{f}:{line}: {callee}")
        if callee == "yaml.load":
            loader = _kw(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
            if loader is None or ast.unparse(loader) not in ("yaml.SafeLoader", "yaml.CSafeLoader", "SafeLoader"):
                bad.append(f"{f}:{line}: yaml.load without SafeLoader")
    assert not bad, bad


def test_checkpoints_and_arrays_never_unpickle():
    bad, torch_loads = [], 0
    for f, line, callee, node in _calls():
        if callee.endswith("torch.load"):
            torch_loads += callee.endswith("torch.load")
            wo = _kw(node, "weights_only")
            if not (isinstance(wo, ast.Constant) and wo.value is True):
                bad.append(f"{f}:{line}: torch.load without weights_only=True")
        if callee in ("pickle.load", "pickle.loads", "joblib.load", "dill.load", "cloudpickle.load"):
            bad.append(f"{f}:{line}: {callee}")
        if callee in ("np.load", "numpy.load"):
            ap = _kw(node, "allow_pickle")
            if ap is not None and not (isinstance(ap, ast.Constant) and ap.value is False):
                bad.append(f"{f}:{line}: np.load(allow_pickle=...)")
    assert torch_loads >= 1, "expected the checkpoint loaders to be found"
    assert not bad, bad


@pytest.mark.timeout(180)
def test_hostile_ids_titles_and_paths_never_reach_a_shell_or_escape(workspace, clips, tmp_path):
    """file:// downloads whose id, title and even source file name carry `../../x` and
    `$(touch pwned)`: files are named by sanitised ids, nothing is created outside
    outputs/download, and no 'pwned' file appears anywhere."""
    evil_dir = tmp_path / "src dir; $(touch pwned)"
    evil_dir.mkdir()
    evil_file = evil_dir / "$(touch pwned) `touch pwned2` ..mp4"
    shutil.copy2(clips[0], evil_file)
    workspace.write_video_list(
        [
            {
                "video_id": "../../x",
                "url": evil_file.as_uri(),
                "title": "$(touch pwned)",
                "channel": "`touch pwned`",
                "duration": "",
            },
            {
                "video_id": "$(touch pwned)",
                "url": str(clips[1]),
                "title": "../../../../etc/passwd",
                "channel": "",
                "duration": "",
            },
            {
                "video_id": "a/b\\c\x00d",
                "url": str(clips[2]),
                "title": "\x1b]0;pwned\x07",
                "channel": "",
                "duration": "",
            },
        ]
    )
    before = {p for p in dir_listing(workspace.root) if not p.startswith("outputs")}
    res = workspace.run("download", timeout=150)
    assert res.returncode == 0, res.stderr[-3000:]
    assert workspace.metrics("download")["ok"] == 3
    names = sorted(p.name for p in workspace.path("outputs/download").iterdir())
    stems = {n.split(".")[0] for n in names}
    assert stems == {"x", "touch_pwned", "a_b_c_d"}, names
    after = {p for p in dir_listing(workspace.root) if not p.startswith("outputs")}
    assert after - before <= {"metrics", "metrics/download.json", "download.log"}, after - before
    for where in (tmp_path, workspace.root.parent, ROOT, Path.cwd()):
        assert not list(where.glob("pwned*")), where
    assert not [p for p in tmp_path.rglob("pwned*")]
    rec = json.loads(workspace.path("outputs/download/x.record.json").read_text())
    assert rec["title"] == "$(touch pwned)" and rec["url"] == evil_file.as_uri()  # kept as data, verbatim


def _tiny_dataset(root: Path) -> Path:
    """outputs/dataset as the dataset stage writes it, one video row and one external row, both
    carrying markup in every free-text field the card shows."""
    import numpy as np
    import pandas as pd
    from PIL import Image

    ds = root / "outputs" / "dataset"
    (ds / "images").mkdir(parents=True)
    rows = []
    for i, (source, vid) in enumerate([("quilt_video", f"vid{XSS}"), (f"openclip_csv:{XSS}", "")]):
        Image.fromarray(np.full((32, 32, 3), 120 + i * 40, np.uint8)).save(ds / "images" / f"img{i}.png")
        rows.append(
            {
                "pair_id": f"p{i}",
                "image_id": f"img{i}",
                "image_path": f"img{i}.png",
                "caption": f"{XSS} caption {i}",
                "source": source,
                "split": "train",
                "text_kind": "sentence",
                "video_id": vid,
                "start": 1.0,
                "end": 2.0,
                "pathology": [XSS],
                "magnification": XSS,
            }
        )
    pd.DataFrame(rows).to_parquet(ds / "metadata.parquet")
    (ds / "stats.json").write_text(
        json.dumps(
            {
                "rows": 2,
                "images": 2,
                "image_size": 32,
                "near_dup_hamming": 6,
                "seed": 1,
                "rows_skipped": {XSS: {XSS: 1}},
            }
        )
    )
    return ds


@pytest.mark.timeout(120)
def test_dataset_card_escapes_untrusted_captions(workspace):
    _tiny_dataset(workspace.root)
    res = workspace.run("card", timeout=100)
    assert res.returncode == 0, res.stderr[-3000:]
    page = workspace.path("outputs/card/index.html").read_text()
    assert XSS not in page and "onerror=alert(1)>" not in page
    assert html.escape(XSS, quote=True) in page
    assert page.count(f"{html.escape(XSS, quote=True)} caption") == 2  # both captions shown, escaped
    assert page.count("<img ") == 2 and page.count("<script") == 1  # only our thumbnails and our script


class _LlmApi(BaseHTTPRequestHandler):
    fail_first = 0
    auth: list = []

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).auth.append(self.headers.get("Authorization"))
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        if self.headers.get("Authorization") != f"Bearer {SECRET}":
            self.send_response(401)
            self.end_headers()
            self.wfile.write(f"bad key {self.headers.get('Authorization')}".encode())  # a server that echoes it
            return
        user = body["messages"][1]["content"]
        content = json.dumps({"role": "medical"}) if "label" in body["messages"][0]["content"] else user
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def llm_server():
    _LlmApi.fail_first, _LlmApi.auth = 0, []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _LlmApi)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()


def test_llm_key_never_logged_client_level(llm_server, tmp_path, monkeypatch, caplog):
    from quiltkit.config import LlmParams
    from quiltkit.text.llm import LlmClient, LlmError

    monkeypatch.setenv("QUILTKIT_LLM_API_KEY", SECRET)
    params = LlmParams(enabled=True, base_url=llm_server, max_retries=2, backoff_seconds=0, requests_per_minute=6000)
    caplog.set_level(logging.DEBUG)
    _LlmApi.fail_first = 2  # two retries, each logged with the reason
    client = LlmClient(params, cache_dir=tmp_path / "cache")
    assert client.chat("sys", "hello") == "hello"
    assert _LlmApi.auth[-1] == f"Bearer {SECRET}"  # it was really sent ...
    monkeypatch.setenv("QUILTKIT_LLM_API_KEY", SECRET + "-wrong")
    with pytest.raises(LlmError) as err:
        LlmClient(params, cache_dir=tmp_path / "cache2").chat("sys", "other")
    assert "401" in str(err.value)
    logged = [r.getMessage() for r in caplog.records]
    assert sum("retry" in m for m in logged) >= 2, logged  # the logs did see the failures ...
    for m in logged + [str(err.value), repr(err.value)]:
        assert SECRET not in m  # ... never the key
    assert SECRET not in "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())  # nor the cache


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_llm_key_never_reaches_stage_logs_or_mlflow(workspace, llm_server):
    """The text stage with the LLM on, against 127.0.0.1, MLflow on: the key is sent to the server
    but is absent from the stage's output, every MLflow param and tag, and every output file."""
    from quiltkit.contracts import Segment, Transcript, Word

    words = "here we see adenocarcinoma with glands in the colon".split()
    seg = Segment(
        start=0,
        end=5,
        text=" ".join(words),
        words=[Word(start=i * 0.5, end=i * 0.5 + 0.4, word=" " + w) for i, w in enumerate(words)],
    )
    Transcript(video_id="v0", duration=5.0, segments=[seg], language="en").write(workspace.path("outputs/asr/v0.json"))
    workspace.set_params(
        **{
            "text.use_hpo": False,
            "text.use_icd10": False,
            "text.llm.enabled": True,
            "text.llm.base_url": llm_server,
            "text.llm.backoff_seconds": 0.0,
            "text.llm.requests_per_minute": 6000.0,
            "text.llm.max_retries": 2,
        }
    )
    _LlmApi.fail_first = 1
    res = workspace.run("text", timeout=200, QUILTKIT_NO_MLFLOW="0", QUILTKIT_LLM_API_KEY=SECRET)
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"Bearer {SECRET}" in _LlmApi.auth and workspace.metrics("text")["videos_with_llm"] == 1
    assert SECRET not in res.stdout + res.stderr
    for p in workspace.root.rglob("*"):
        if p.is_file() and p.suffix != ".db" and not p.is_symlink() and "src" not in p.parts:
            assert SECRET.encode() not in p.read_bytes(), p
    db = workspace.path("mlflow.db")
    assert db.exists()
    with sqlite3.connect(db) as con:
        params = con.execute("select key, value from params").fetchall()
        tags = con.execute("select key, value from tags").fetchall()
    assert any(k.startswith("text.llm.") for k, _ in params), params  # the LLM settings were logged ...
    assert not [kv for kv in params + tags if SECRET in str(kv[1])]  # ... not the key
    assert SECRET.encode() not in db.read_bytes()
