"""Property tests of the release CSV readers (quiltkit.release.files).

The release's CSVs come from the internet and hold Python literals, so whatever a cell holds
(code, huge numbers, nested lists, quotes, line breaks) ends as a parsed value or as a
ReleaseError naming "<file>:<line>: column '<name>'", never as code run and never as another
exception. The tables are generated with the value each good cell must parse to and which cells
are bad, so the readers' results and error messages are checked exactly, line numbers included.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from quiltkit.release.files import (
    MAX_REPORTED,
    RECON_COLUMNS,
    ReleaseError,
    read_data,
    read_lookup,
    read_recon,
    read_rows,
)
from tests.properties import property_settings

SETTINGS = property_settings(90)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
SENTINEL = Path(tempfile.gettempdir()) / "quiltkit-release-files-pwned"
BAD = object()  # the expected value of a cell the reader must refuse

# ------------------------------------------------------------------------------- cell strategies
# each draws (cell text, expected parsed value or BAD)

pad = st.sampled_from(["", " ", "  ", "\t"])
finite = st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False))
CODE = [
    f"__import__('os').system('touch {SENTINEL}')",
    f"[__import__('pathlib').Path('{SENTINEL}').touch()]",
    "open('/etc/passwd').read()",
    "[exec('1')]",
    "(lambda: 1)()",
    "[x for x in range(3)]",
    "[float('nan')]",
    "[1e999]",
    "[-1e999]",
    "[nan]",
    "[inf]",
    "[1" + "0" * 400 + "]",
    "[(1, 1" + "0" * 400 + ")]",
    "[[1" + "0" * 400 + ", 2]]",
    "[" * 300 + "]" * 300,
    "[" + "-" * 50000 + "1]",
    "[1,",
    "]",
    "{1: 2}",
    "{1, 2}",
    "b'x'",
    "None",
    "'[1]'",
]
code = st.sampled_from(CODE)
arbitrary = st.text(st.characters(blacklist_categories=("Cs",)), max_size=25)


class cells:
    """A column's good cells (text, value) and bad ones (text, BAD)."""

    def __init__(self, good, bad):
        self.good, self.bad = good, bad.map(lambda t: (t, BAD))
        self.any = st.one_of(self.good, self.bad)

    def draw(self, draw, clean: bool):
        return draw(self.good if clean else self.any)


video_ids = cells(
    st.tuples(pad, st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True), pad).map(lambda t: ("".join(t), t[1])),
    st.one_of(
        st.sampled_from([c for c in CODE if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", c)]),
        st.sampled_from(["", " ", "a b", "a/b", "../x", "x" * 65, "ü", "a.b", "a\x00"]),
    ),
)
counts = cells(
    st.one_of(
        st.integers(0, 10**12).map(lambda n: (str(n), n)),
        st.integers(0, 5000).map(lambda n: (f"{n}.0", n)),
        st.integers(0, 99).map(lambda n: (f" {n}e0 ", n)),
    ),
    st.one_of(code, st.sampled_from(["-1", "1.5", "abc", "1e999", "nan", "inf", "", "0x10", "[1]", "1e400"])),
)
floats_ = cells(
    finite.map(lambda x: (repr(x), float(x))),
    st.one_of(code, st.sampled_from(["abc", "inf", "-inf", "nan", "1e999", "", "[1.0]", "1,5"])),
)
bools = cells(
    st.sampled_from(
        [
            ("True", True),
            ("False", False),
            ("true", True),
            ("1", True),
            ("0", False),
            ("", False),
            (" yes ", True),
            ("NO", False),
            ("1.0", True),
            ("0.0", False),
        ]
    ),
    st.sampled_from(["maybe", "2", "T", "[True]", "None", "-1"]),
)
suffixes = st.sampled_from([".jpg", ".jpeg", ".png", ".webp", ".JPG", ".Png"])
names = cells(
    st.tuples(
        pad, st.from_regex(r"([a-z0-9_]{1,6}/){0,2}[a-zA-Z0-9_ .-]{0,8}[a-zA-Z0-9_]", fullmatch=True), suffixes, pad
    ).map(lambda t: (t[0] + t[1] + t[2] + t[3], (t[1] + t[2]).strip())),
    st.one_of(
        code,
        st.sampled_from(
            [
                "../x.jpg",
                "a/../../x.jpg",
                "/abs.jpg",
                "a.txt",
                "",
                "a\\b.jpg",
                "a//b.jpg",
                "./a.jpg",
                "a/./b.png",
                "x.exe",
                "a\x00.jpg",
                ".jpg/",
                "jpg",
            ]
        ),
    ),
)
sentences = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
texts = cells(
    st.one_of(
        st.lists(st.one_of(sentences, st.integers(), st.lists(st.integers(0, 9), max_size=2)), max_size=4).map(
            lambda xs: (repr(xs), [str(x).strip() for x in xs if str(x).strip()])
        ),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
        .filter(lambda s: not s.strip().startswith("["))
        .map(lambda s: (s, [s.strip()] if s.strip() else [])),
        st.sampled_from([("__import__('os')", ["__import__('os')"]), ("[[1, [2]], (3,)]", ["[1, [2]]", "(3,)"])]),
    ),
    st.sampled_from(
        [
            f"[__import__('pathlib').Path('{SENTINEL}').touch()]",
            "[1,",
            "[" * 300 + "]" * 300,
            "[1e999 +]",
            "[" + "-" * 50000 + "1]",
        ]
    ),
)
times_lists = st.lists(finite, max_size=6).map(lambda xs: sorted(float(x) for x in xs))


def list_text(xs, as_tuple: bool) -> str:
    return repr(tuple(xs)) if as_tuple else repr(list(xs))


@st.composite
def recon_cells(draw, clean: bool):
    """(key_frame_times, predictions, stable_times) cells; a good pair may disagree in length."""
    if not clean and draw(st.integers(0, 4)) == 0:
        times = draw(st.one_of(code, st.sampled_from(["[2.0, 1.0]", "[1, 'x']", "5", "[[1.0]]", "[True]", "{}", ""])))
        times = (times, BAD)
    else:
        ts = draw(times_lists)
        times = (list_text(ts, draw(st.booleans())), ts)
    n = len(times[1]) if times[1] is not BAD else draw(st.integers(0, 4))
    if not clean and draw(st.integers(0, 5)) == 0:
        preds = (draw(st.one_of(code, st.sampled_from(["[2]", "[0.5]", "['1']", "[None]", "1", "[-1]"]))), BAD)
    else:
        m = n if draw(st.integers(0, 4)) else draw(st.integers(0, 6))
        ps = draw(st.lists(st.sampled_from([0, 1, True, False, 0.0, 1.0]), min_size=m, max_size=m))
        preds = (list_text(ps, draw(st.booleans())), [bool(p) for p in ps])
    if not clean and draw(st.integers(0, 5)) == 0:
        stable = (
            draw(
                st.one_of(
                    code,
                    st.sampled_from(
                        [
                            "[[[4, 1]]]",
                            "[[[1, 2, 3]]]",
                            "[5]",
                            "{'a': 1}",
                            "[[['a', 'b']]]",
                            "[[[True, 1]]]",
                            "[[[1e999, 1e999]]]",
                            "7",
                        ]
                    ),
                )
            ),
            BAD,
        )
    else:
        chunks = draw(
            st.lists(
                st.lists(st.tuples(finite, finite).map(lambda ab: (float(min(ab)), float(max(ab)))), max_size=3),
                max_size=3,
            )
        )
        stable = (repr([[list(iv) for iv in ch] for ch in chunks]), chunks)
    return times, preds, stable


# ------------------------------------------------------------------------------------- tables


def write(path: Path, header: list[str], rows: list[list[str]], dialect) -> list[int]:
    """csv.writer's file; the line each record starts on."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=dialect[0], quoting=dialect[1])
    w.writerow(header)
    starts = []
    for r in rows:
        starts.append(len(LINE_BREAK.findall(buf.getvalue())) + 1)
        w.writerow(r)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return starts


DIALECTS = st.sampled_from([("\r\n", csv.QUOTE_MINIMAL), ("\n", csv.QUOTE_ALL)])


def expect_error(path: Path, starts: list[int], rows: list[dict], order: list[str], first_fatal=None):
    """The message a reader must raise for `rows` (each column -> (text, value)): the first
    row-level error (`first_fatal(i, row)` -> message or None, checked on rows with no bad cell,
    in order), else the list of bad cells, else None."""
    bad = []
    for i, r in enumerate(rows):
        row_bad = [c for c in order if c in r and r[c][1] is BAD]
        bad += [(starts[i], c) for c in row_bad]
        if not row_bad and first_fatal is not None:
            msg = first_fatal(i, r)
            if msg is not None:
                return msg
    if bad:
        return bad
    return None


def check_bad_cells(err: str, path: Path, bad: list[tuple[int, str]]) -> None:
    lines = err.split("\n")
    assert lines[0] == f"{path}: {len(bad)} bad cell(s):", err
    shown = bad[:MAX_REPORTED]
    for line, (n, col) in zip(lines[1:], shown):
        assert line.startswith(f"{path}:{n}: column {col!r}: "), (line, n, col)
    if len(bad) > MAX_REPORTED:
        assert lines[len(shown) + 1] == f"... {len(bad) - MAX_REPORTED} more bad cell(s)"
    assert len(lines) == len(shown) + 1 + (len(bad) > MAX_REPORTED), err


def same_floats(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(x == y and type(x) is float for x, y in zip(a, b))


@st.composite
def recon_tables(draw):
    rows, clean = [], draw(st.booleans())  # half the tables have no bad cell
    for _ in range(draw(st.integers(0, 7))):
        times, preds, stable = draw(recon_cells(clean))
        vid = (
            video_ids.draw(draw, clean)
            if draw(st.integers(0, 3))
            else draw(st.sampled_from([("v1", "v1"), ("v1 ", "v1")]))
        )
        rows.append({"video_id": vid, "key_frame_times": times, "predictions": preds, "stable_times": stable})
    header = draw(
        st.permutations(
            ["video_id", "key_frame_times", "predictions", "stable_times"]
            + draw(st.lists(st.sampled_from(["extra", "notes"]), max_size=2, unique=True))
        )
    )
    drop = draw(st.sampled_from([None] * 6 + ["video_id", "stable_times"]))
    header = [h for h in header if h != drop]
    return header, rows


def cell_texts(header, rows, extra=lambda c: "") -> list[list[str]]:
    return [[r[c][0] if c in r else extra(c) for c in header] for r in rows]


@SETTINGS
@given(recon_tables(), DIALECTS)
@example(
    (
        ["video_id", "key_frame_times", "predictions", "stable_times"],
        [
            {
                "video_id": ("v", "v"),
                "key_frame_times": ("[1" + "0" * 400 + "]", BAD),
                "predictions": ("[0]", [False]),
                "stable_times": ("[[[1, 1" + "0" * 400 + "]]]", BAD),
            }
        ],
    ),
    ("\r\n", csv.QUOTE_MINIMAL),
)
def test_read_recon(table, dialect):
    header, rows = table
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "quilt_recon.csv"
        starts = write(path, header, cell_texts(header, rows), dialect)
        missing = [c.name for c in RECON_COLUMNS if c.name not in header]
        try:
            got = read_recon(path)
        except ReleaseError as err:
            got = err
        assert not SENTINEL.exists(), "a cell was run as code"
        if missing:
            assert isinstance(got, ReleaseError) and str(got) == f"{path}: missing column(s) {missing}; has {header}"
            return

        def length(i, r):
            if len(r["predictions"][1]) != len(r["key_frame_times"][1]):
                return (
                    f"{path}:{starts[i]}: column 'predictions': {len(r['predictions'][1])} predictions "
                    f"for {len(r['key_frame_times'][1])} key_frame_times"
                )

        want = expect_error(path, starts, rows, [c.name for c in RECON_COLUMNS if c.name in header], length)
        event("row error" if isinstance(want, str) else "bad cells" if want else "parsed")
        if isinstance(want, str):
            assert isinstance(got, ReleaseError) and str(got) == want
        elif want is not None:
            assert isinstance(got, ReleaseError), got
            check_bad_cells(str(got), path, want)
        else:
            assert isinstance(got, dict), got
            first = {}
            for i, r in enumerate(rows):
                first.setdefault(r["video_id"][1], (i, r))
            assert set(got) == set(first)
            for vid, (i, r) in first.items():
                rec = got[vid]
                assert rec.line == starts[i] and rec.video_id == vid
                assert same_floats(rec.key_frame_times, r["key_frame_times"][1])
                assert rec.predictions == r["predictions"][1] and all(type(p) is bool for p in rec.predictions)
                assert rec.stable_times == r["stable_times"][1]
                assert all(
                    type(x) is float and math.isfinite(x) and iv[0] <= iv[1]
                    for ch in rec.stable_times
                    for iv in ch
                    for x in iv
                )


DATA_ORDER = [
    "video_id",
    "chunk_id",
    "image_path",
    "pair_chunk_time",
    "height",
    "width",
    "fps",
    "it_pair",
    "medical_text",
]


@st.composite
def data_tables(draw):
    rows, clean = [], draw(st.booleans())
    for _ in range(draw(st.integers(0, 7))):
        r = {
            "video_id": video_ids.draw(draw, clean) if draw(st.integers(0, 3)) else ("v", "v"),
            "chunk_id": counts.draw(draw, clean)
            if draw(st.integers(0, 3))
            else draw(st.sampled_from([("0", 0), ("1", 1)])),
            "image_path": names.draw(draw, clean)
            if draw(st.integers(0, 2))
            else draw(st.sampled_from([("a.jpg", "a.jpg"), ("b.png", "b.png")])),
            **{
                c: spec.draw(draw, clean)
                for c, spec in (
                    ("pair_chunk_time", floats_),
                    ("height", counts),
                    ("width", counts),
                    ("fps", floats_),
                    ("it_pair", bools),
                    ("medical_text", texts),
                )
            },
        }
        rows.append(r)
    optional = draw(st.lists(st.sampled_from(["it_pair", "medical_text"]), unique=True))
    header = draw(st.permutations([c for c in DATA_ORDER if c not in ("it_pair", "medical_text")] + optional))
    return list(header), rows


@SETTINGS
@given(data_tables(), DIALECTS)
def test_read_data(table, dialect):
    header, rows = table
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "quilt_data.csv"
        starts = write(path, header, cell_texts(header, rows), dialect)
        try:
            got = read_data(path)
        except ReleaseError as err:
            got = err
        assert not SENTINEL.exists(), "a cell was run as code"
        seen: dict[str, tuple[int, dict]] = {}

        def twice(i, r):  # a name is one image: listed again, it must be of the same video and chunk
            name = r["image_path"][1]
            if name in seen:
                j, prev = seen[name]
                if (prev["video_id"][1], prev["chunk_id"][1]) != (r["video_id"][1], r["chunk_id"][1]):
                    return (
                        f"{path}:{starts[i]}: column 'image_path': {name!r} is also image of video "
                        f"{prev['video_id'][1]} chunk {prev['chunk_id'][1]} (line {starts[j]})"
                    )
            else:
                seen[name] = (i, r)

        want = expect_error(path, starts, rows, [c for c in DATA_ORDER if c in header], twice)
        event("row error" if isinstance(want, str) else "bad cells" if want else f"parsed {min(len(rows), 2)}+ rows")
        if isinstance(want, str):
            assert isinstance(got, ReleaseError) and str(got) == want
            return
        if want is not None:
            assert isinstance(got, ReleaseError), got
            check_bad_cells(str(got), path, want)
            return
        assert isinstance(got, dict), got
        expected: dict[str, list] = {}
        by_name = {}
        for i, r in enumerate(rows):
            name = r["image_path"][1]
            med = r["medical_text"][1] if "medical_text" in header else []
            if name in by_name:
                by_name[name]["medical_text"] += [t for t in med if t not in by_name[name]["medical_text"]]
                continue
            im = {
                "image_path": name,
                "video_id": r["video_id"][1],
                "chunk_id": r["chunk_id"][1],
                "line": starts[i],
                "height": r["height"][1],
                "width": r["width"][1],
                "fps": r["fps"][1],
                "pair_chunk_time": r["pair_chunk_time"][1],
                "it_pair": r["it_pair"][1] if "it_pair" in header else True,
                "medical_text": list(med),
            }
            by_name[name] = im
            expected.setdefault(im["video_id"], []).append(im)
        assert {v: [vars(n) for n in ns] for v, ns in got.items()} == expected
        for ns in got.values():
            for n in ns:
                assert type(n.chunk_id) is int and type(n.height) is int and type(n.fps) is float
                assert not n.image_path.startswith("/") and ".." not in n.image_path.split("/")


LOOKUP_ORDER = ["caption", "image_path", "height", "width"]


@st.composite
def lookup_tables(draw):
    rows, clean = [], draw(st.booleans())
    for _ in range(draw(st.integers(0, 7))):
        cap = draw(st.one_of(arbitrary, code))
        rows.append(
            {
                "caption": (cap, cap.strip()),
                "image_path": names.draw(draw, clean),
                "height": counts.draw(draw, clean),
                "width": counts.draw(draw, clean),
                "pathology": (draw(st.one_of(code, arbitrary)), None),
                "roi_text": (draw(arbitrary), None),
            }
        )
    header = draw(
        st.permutations(
            ["caption", "image_path", "pathology", "roi_text"]
            + draw(st.lists(st.sampled_from(["height", "width"]), unique=True))
        )
    )
    return list(header), rows


@SETTINGS
@given(lookup_tables(), DIALECTS)
def test_read_lookup(table, dialect):
    header, rows = table
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "quilt_1M_lookup.csv"
        starts = write(path, header, cell_texts(header, rows), dialect)
        try:
            got = read_lookup(path)
        except ReleaseError as err:
            got = err
        assert not SENTINEL.exists(), "a cell was run as code"
        want = expect_error(path, starts, rows, [c for c in LOOKUP_ORDER if c in header])
        event("bad cells" if want else f"parsed {min(len(rows), 2)}+ rows")
        if want is not None:
            assert isinstance(got, ReleaseError), got
            check_bad_cells(str(got), path, want)
            return
        assert isinstance(got, list) and len(got) == len(rows)
        for g, r, line in zip(got, rows, starts):
            want_row = {c: (r[c][1] if c in LOOKUP_ORDER else r[c][0]) for c in header}
            assert g == {**want_row, "_line": line}


# ------------------------------------------------------------------ arbitrary text, no oracle

any_cell = st.one_of(arbitrary, code, st.lists(st.one_of(finite, arbitrary), max_size=3).map(repr))
READERS = {
    "recon": (read_recon, ["video_id", "key_frame_times", "predictions", "stable_times"]),
    "data": (read_data, DATA_ORDER),
    "lookup": (read_lookup, LOOKUP_ORDER + ["pathology"]),
}


@SETTINGS
@given(st.sampled_from(sorted(READERS)), st.data())
def test_arbitrary_cells_parse_or_fail_naming_file_line_and_column(kind, data):
    reader, cols = READERS[kind]
    rows = data.draw(st.lists(st.lists(any_cell, min_size=len(cols), max_size=len(cols)), max_size=5))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{kind}.csv"
        starts = write(path, cols, rows, data.draw(DIALECTS))
        try:
            got = reader(path)
        except ReleaseError as err:
            msg = str(err)
            assert msg.startswith(f"{path}:"), msg
            for line in msg.split("\n")[1:]:
                m = re.match(re.escape(str(path)) + r":(\d+): column '([a-z_]+)': ", line)
                assert m or line.startswith("... "), line
                if m:
                    assert int(m.group(1)) in starts and m.group(2) in cols, line
            return
        finally:
            assert not SENTINEL.exists(), "a cell was run as code"
        # accepted: the values are data of the documented types
        if kind == "recon":
            for r in got.values():
                assert all(type(t) is float and math.isfinite(t) for t in r.key_frame_times)
                assert r.key_frame_times == sorted(r.key_frame_times)
                assert len(r.predictions) == len(r.key_frame_times) and all(type(p) is bool for p in r.predictions)
                assert all(a <= b for ch in r.stable_times for a, b in ch)
        elif kind == "data":
            for ns in got.values():
                assert all(
                    type(n.chunk_id) is int and n.chunk_id >= 0 and all(type(t) is str for t in n.medical_text)
                    for n in ns
                )
        else:
            assert [g["_line"] for g in got] == starts


@SETTINGS
@given(st.sampled_from(sorted(READERS)), st.binary(max_size=200))
@example("recon", b"video_id,key_frame_times,predictions,stable_times\nv,[0],\xff,[]\n")
def test_arbitrary_bytes_fail_only_with_a_release_error(kind, data):
    reader, cols = READERS[kind]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{kind}.csv"
        path.write_bytes(",".join(cols).encode() + b"\n" + data)
        try:
            reader(path)
        except ReleaseError as err:
            assert str(err).startswith(f"{path}"), err


@pytest.mark.xfail(
    strict=True,
    reason="read_rows names the first blank line, not the record after it: "
    "csv.DictReader skips blank lines after line_num was taken",
)
def test_line_of_a_bad_record_after_blank_lines():
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "quilt_1M_lookup.csv"
        path.write_text("caption,image_path\na,a.jpg\n\n\nb,../b.jpg\n", encoding="utf-8")
        with pytest.raises(ReleaseError, match=re.escape(f"{path}:5: column 'image_path'")):
            read_lookup(path)


def test_read_rows_missing_file():
    with pytest.raises(ReleaseError, match="not found"):
        list(read_rows(Path(tempfile.gettempdir()) / "no-such-release.csv", RECON_COLUMNS))
