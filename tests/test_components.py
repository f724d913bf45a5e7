"""tests/components.py: a missing machine component is reported, and under CI it fails.

Run through pytest's own pytester: an inner session with one test that needs a component this
machine certainly lacks, once as `make test` runs it and once as CI does."""

import pytest

pytest_plugins = ["pytester"]

INNER = """
from tests import components

def test_needs_a_browser():
    components.require("a browser called nowhere", False, "install nowhere")
    raise AssertionError("the body must not run without its component")
"""


@pytest.fixture
def inner(pytester, monkeypatch):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("PYTHONPATH", f"{root}:{root / 'src'}")  # the inner session is a child process
    pytester.makeconftest("from tests.conftest import pytest_terminal_summary  # noqa: F401\n")
    pytester.makepyfile(test_inner=INNER)
    return pytester


def test_make_test_skips_and_says_what_is_missing_and_how_to_enable_it(inner, monkeypatch):
    monkeypatch.delenv("QUILTKIT_REQUIRE_COMPONENTS", raising=False)
    res = inner.runpytest_subprocess("-p", "no:cacheprovider")
    res.assert_outcomes(skipped=1)
    out = res.stdout.str()
    assert "missing components" in out
    assert "NOT RUN (1 test): missing component: a browser called nowhere. To enable: install nowhere" in out
    assert "test_inner.py::test_needs_a_browser" in out


def test_ci_fails_on_a_missing_component(inner, monkeypatch):
    monkeypatch.setenv("QUILTKIT_REQUIRE_COMPONENTS", "1")
    res = inner.runpytest_subprocess("-p", "no:cacheprovider")
    res.assert_outcomes(failed=1)
    assert res.ret != 0
    assert "missing component: a browser called nowhere (QUILTKIT_REQUIRE_COMPONENTS=1" in res.stdout.str()
    assert "the body must not run" not in res.stdout.str()
