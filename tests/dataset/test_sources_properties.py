"""Property tests of the dataset's source readers (quiltkit.dataset.sources).

External sources are files someone else wrote. Whatever rows they hold, a reader returns the
usable ones (an existing image file, a non-empty caption) with the rest counted by reason, or
raises a SourceError naming the file; never another exception. CSV tables are generated with
the image each row must resolve to, so the rows kept, their images and captions are exact.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import tarfile
import tempfile
from pathlib import Path

from hypothesis import event, example, given
from hypothesis import strategies as st

from quiltkit.contracts import RELEASE_ROW_COLUMNS
from quiltkit.dataset.sources import (
    SourceError,
    SourceSpec,
    _listish,
    external_rows,
    img2dataset_wds_rows,
    parse_spec,
    release_rows,
)
from tests.properties import property_settings

SETTINGS = property_settings(70)
text_chars = st.characters(blacklist_categories=("Cs",))
arbitrary = st.text(text_chars, max_size=20)
nasty = st.sampled_from(
    [
        "",
        " ",
        ".",
        "..",
        "img",
        "img/",
        "img/sub",
        "./",
        "/",
        "\x00",
        "a\x00.jpg",
        "nope.jpg",
        "img/../img/a.jpg",
        '"',
        ",",
        "\n",
        "\r",
        "\t",
        "nan",
        "None",
        "[]",
        "__import__('os')",
        "[" * 300,
        "#",
        "\ufeff",
    ]
)
CODE = [
    "[" + "-" * 50000 + "1]",
    "[" + "1+" * 3000 + "1]",
    "[" + "not " * 50000 + "1]",
    "[__import__('os').system('true')]",
    "[1, 2",
    "['a', 'b']",
    "[" * 300 + "]" * 300,
    "[[1, [2]], 'x']",
    "['a', ['b', 'c']]",
]

# files under the root; "img/sub" is a folder, and "local.jpg" lies beside the CSV (ext/)
IMAGES = ["img/a.jpg", "img/b b.png", "img/ü.webp", "ext/local.jpg"]


def layout(root: Path) -> None:
    for rel in IMAGES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"not decoded by the readers")
    (root / "img" / "sub").mkdir(parents=True, exist_ok=True)


def resolves(text: str, root: Path, images_root: Path, base: Path) -> Path | None:
    """The image file a cell names: absolute, or under the images root, or beside the CSV."""
    s = text.strip()
    if not s or "\x00" in s:
        return None
    cand = Path(s)
    for c in [cand] if cand.is_absolute() else [images_root / cand, base / cand]:
        try:
            if c.is_file():
                return c
        except OSError:  # ENAMETOOLONG: no such file
            pass
    return None


image_cells = st.one_of(
    st.sampled_from(
        [
            "img/a.jpg",
            " img/a.jpg ",
            "img/b b.png",
            "img/ü.webp",
            "local.jpg",
            "ext/local.jpg",
            "img/../img/a.jpg",
            "a.jpg",
        ]
    ),
    nasty,
    arbitrary,
)
caption_cells = st.one_of(arbitrary, nasty, st.sampled_from(["glands are crowded", "  two  words ", "a,b", 'say "hi"']))
DIALECTS = st.sampled_from([(",", "\r\n", csv.QUOTE_MINIMAL), (",", "\n", csv.QUOTE_ALL), ("\t", "\n", csv.QUOTE_ALL)])


def write_csv(path: Path, header: list[str], rows: list[list[str]], dialect) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=dialect[0], lineterminator=dialect[1], quoting=dialect[2])
    w.writerow(header)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def check_loaded(ld, n_rows: int, expected: list[tuple[Path, str]]) -> None:
    """The rows kept are exactly `expected` (image, caption) in order; the others are counted."""
    assert [(r.image, r.caption) for r in ld.rows] == expected
    assert sum(ld.skipped.values()) == n_rows - len(expected), ld.skipped
    assert set(ld.skipped) <= {"missing image", "empty caption"}
    ids = [r.pair_id for r in ld.rows]
    assert len(ids) == len(set(ids))
    for r in ld.rows:
        assert str(r.image).startswith("/") and Path(r.image).is_file() and r.caption == r.caption.strip() and r.caption


@SETTINGS
@given(
    st.lists(st.tuples(image_cells, caption_cells), max_size=8),
    DIALECTS,
    st.sampled_from(
        [["filepath", "title"], ["title", "filepath"], ["filepath", "title", "notes"], ["filepath", "caption"]]
    ),
)
@example(
    [("", "an empty path"), ("img", "a folder"), ("img/a.jpg", "fine")],
    (",", "\r\n", csv.QUOTE_MINIMAL),
    ["filepath", "title"],
)
def test_openclip_csv(rows, dialect, header):
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        layout(root)
        path = root / "ext" / "pairs.csv"
        cells = [[{"filepath": img, "title": cap, "caption": cap}.get(h, "x") for h in header] for img, cap in rows]
        write_csv(path, header, cells, dialect)
        try:
            ld = external_rows("openclip_csv:ext/pairs.csv", root)
        except SourceError as err:
            assert str(path) in str(err)
            assert "title" not in header, err  # a readable table with both columns is never an error
            event("missing column")
            return
        assert "title" in header
        expected = []
        for img, cap in rows:
            found = resolves(img, root, root, path.parent)
            if found is not None and cap.strip():
                expected.append((found, cap.strip()))
        event(f"kept {min(len(expected), 2)}+ of {min(len(rows), 2)}+")
        check_loaded(ld, len(rows), expected)
        assert all(r.source == "openclip_csv:ext/pairs.csv" and r.source_kind == "openclip_csv" for r in ld.rows)


def test_openclip_csv_first_row_with_an_extra_field_is_an_error_not_a_shift():
    """An unquoted comma in the first caption must not make pandas take the first column as the
    index and shift every row's columns by one."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        layout(root)
        path = root / "ext" / "pairs.csv"
        path.write_text("filepath,title\nimg/a.jpg,crowded, irregular glands\nimg/a.jpg,fine\n", encoding="utf-8")
        try:
            ld = external_rows("openclip_csv:ext/pairs.csv", root)
        except SourceError as err:
            assert str(path) in str(err)
            return
        got = [(r.image, r.caption) for r in ld.rows]
        assert (root / "img/a.jpg", "fine") in got and all(
            im == root / "img/a.jpg" and cap in ("crowded, irregular glands", "fine") for im, cap in got
        ), got


LOOKUP_EXTRA = ["subset", "split", "pathology", "med_umls_ids", "roi_text", "magnification"]
list_cells = st.one_of(
    st.lists(st.text(text_chars, max_size=6), max_size=3).map(repr), st.sampled_from(CODE), nasty, arbitrary
)


@SETTINGS
@given(
    st.lists(st.tuples(image_cells, caption_cells, list_cells, list_cells, arbitrary), max_size=6),
    DIALECTS,
    st.sampled_from(["", ";root=img", ";root=" + "img/sub", ";root= img "]),
    st.lists(st.sampled_from(LOOKUP_EXTRA), unique=True),
)
@example(
    [("a.jpg", "cap", "[" + "-" * 50000 + "1]", "[" + "1+" * 3000 + "1]", "x")],
    (",", "\r\n", csv.QUOTE_MINIMAL),
    ";root=img",
    ["pathology", "med_umls_ids"],
)
def test_quilt_lookup(rows, dialect, option, extra):
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        layout(root)
        path = root / "ext" / "lookup.csv"
        header = ["caption", "image_path"] + extra
        cells = []
        for img, cap, path_list, umls, other in rows:
            by = {"caption": cap, "image_path": img, "pathology": path_list, "med_umls_ids": umls}
            cells.append([by.get(h, other) for h in header])
        write_csv(path, header, cells, dialect)
        ld = external_rows("quilt_lookup:ext/lookup.csv" + option, root)
        images_root = root / option.split("=", 1)[1].strip() if option else path.parent
        expected = []
        for img, cap, *_ in rows:
            found = resolves(img, root, images_root, path.parent)
            if found is not None and cap.strip():
                expected.append((found, cap.strip()))
        check_loaded(ld, len(rows), expected)
        for r in ld.rows:
            assert r.subset and isinstance(r.subset, str)
            assert all(isinstance(x, str) for x in r.pathology + r.med_umls_ids)
            assert r.magnification is None or r.magnification == r.magnification.strip()


@SETTINGS
@given(
    st.one_of(
        st.lists(st.one_of(st.text(text_chars, max_size=5), st.integers(), st.floats(allow_nan=False)), max_size=4).map(
            lambda xs: (repr(xs), [str(x) for x in xs])
        ),  # the release's lists: Python literals, read as data
        st.lists(st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=5), max_size=3).map(
            lambda xs: (", ".join(xs), xs)
        ),  # a plain comma-separated string
        st.sampled_from(
            [("", []), ("nan", []), ("None", []), ("[]", []), (None, []), (float("nan"), []), (["a", 1], ["a", "1"])]
        ),
        st.one_of(st.sampled_from(CODE), nasty, arbitrary).map(lambda v: (v, None)),
    )
)
@example(("[" + "-" * 50000 + "1]", None))
@example(("[" + "1+" * 3000 + "1]", None))
@example(("[__import__('os').system('true')]", None))
def test_listish_gives_a_list_of_strings_for_anything(case):
    v, want = case
    out = _listish(v)
    assert isinstance(out, list) and all(isinstance(x, str) for x in out)
    if want is not None:
        assert out == want


# --------------------------------------------------------------------------------- webdataset

json_values = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["success", "failed_to_download", None, 3]),
            "caption": st.one_of(arbitrary, st.integers(), st.none()),
            "url": st.one_of(arbitrary, st.none(), st.integers()),
        },
    ),
    st.lists(st.integers(), max_size=2),
    st.integers(),
    st.text(max_size=5),
    st.none(),
    st.booleans(),
)
members = st.fixed_dictionaries(
    {},
    optional={
        "jpg": st.binary(min_size=1, max_size=16),
        "png": st.binary(min_size=1, max_size=16),
        "txt": st.one_of(st.binary(max_size=12), arbitrary.map(str.encode)),
        "json": st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=10)),
    },
)


def tar_bytes(samples: dict[str, dict[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for key, files in samples.items():
            for ext, data in files.items():
                ti = tarfile.TarInfo(f"shard/{key}.{ext}")
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def expected_wds(samples: dict[str, dict[str, bytes]]) -> list[tuple[bytes, str]]:
    out = []
    for key in sorted(samples):
        s = samples[key]
        img = s.get("jpg", s.get("png"))
        cap = s.get("txt", b"").decode("utf-8", "replace").strip()
        try:
            meta = json.loads(s["json"]) if "json" in s else {}
        except (ValueError, UnicodeDecodeError):
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        if meta.get("status") not in (None, "success") or img is None:
            continue
        cap = cap or ("" if meta.get("caption") is None else str(meta.get("caption")).strip())
        if cap:
            out.append((img, cap))
    return out


@SETTINGS
@given(st.dictionaries(st.from_regex(r"[0-9a-z]{1,6}", fullmatch=True), members, max_size=6))
@example({"000": {"jpg": b"x", "txt": b"cap", "json": b"[1]"}})
@example({"001": {"jpg": b"x", "json": b"3"}})
def test_img2dataset_wds(samples):
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "wds").mkdir()
        (root / "wds" / "00000.tar").write_bytes(tar_bytes(samples))
        ld = external_rows("img2dataset_wds:wds", root)
        assert [(r.image, r.caption) for r in ld.rows] == expected_wds(samples)
        ids = [r.pair_id for r in ld.rows]
        assert len(ids) == len(set(ids))
        assert all(isinstance(r.url, str) for r in ld.rows)


def _corrupt(data: bytes, how: str, n: int) -> bytes:
    packed = {"tar": data, "gz": gzip.compress(data), "bz2": bz2.compress(data), "xz": lzma.compress(data)}[
        how.split("-")[0]
    ]
    if how.endswith("-cut"):
        return packed[: n % max(len(packed), 1)]
    i = n % max(len(packed), 1)
    return packed[:i] + bytes([packed[i] ^ 0x5A]) + packed[i + 1 :] if packed else packed


@SETTINGS
@given(
    st.dictionaries(st.from_regex(r"[0-9]{1,3}", fullmatch=True), members, min_size=1, max_size=4),
    st.sampled_from(["tar-cut", "tar-flip", "gz-cut", "gz-flip", "bz2-cut", "xz-cut", "xz-flip"]),
    st.integers(0, 10**6),
)
@example({"0": {"jpg": b"x" * 3000, "txt": b"cap"}, "1": {"jpg": b"y" * 3000, "txt": b"cap"}}, "xz-cut", 100)
@example(  # a flipped byte inside the xz stream raised LZMAError, not a SourceError (found by hypothesis in CI)
    {
        "0": {
            "jpg": b"\x00" * 8,
            "json": b"{}",
            "txt": "\x82@0\x80`\x81\x90\U00010000\xe0\U00013800\U00028310".encode(),
            "png": b"\x00",
        },
        "01": {"jpg": b"\x00\x01\x00\x01\x01\x01", "txt": b"\x00", "json": b"null", "png": b"\x00"},
    },
    "xz-flip",
    105437,
)
def test_img2dataset_wds_damaged_tar_is_a_source_error(samples, how, n):
    """A shard cut short by a failed copy, or with a flipped byte: rows, or an error naming it."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "00000.tar"
        path.write_bytes(_corrupt(tar_bytes(samples), how, n))
        try:
            ld = img2dataset_wds_rows(SourceSpec("img2dataset_wds", path, {}, f"img2dataset_wds:{path}"), Path(d))
        except SourceError as err:
            assert str(path) in str(err)
            return
        assert all(r.caption and isinstance(r.image, bytes) for r in ld.rows)


@SETTINGS
@given(
    st.binary(max_size=300), st.sampled_from(["img2dataset_wds", "img2dataset_parquet", "openclip_csv", "quilt_lookup"])
)
@example(b"filepath,title\n\xff\xfe,x\n", "openclip_csv")
def test_arbitrary_bytes_are_rows_or_a_source_error(data, kind):
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        layout(root)
        name = {"img2dataset_wds": "s.tar", "img2dataset_parquet": "s.parquet"}.get(kind, "s.csv")
        (root / name).write_bytes(data)
        try:
            ld = external_rows(f"{kind}:{name}", root)
        except SourceError as err:
            assert str(root / name) in str(err)
            return
        for r in ld.rows:
            assert r.caption and (isinstance(r.image, bytes) or Path(r.image).is_file())


# ------------------------------------------------------------------------------- specs, release


@SETTINGS
@given(
    st.one_of(
        arbitrary,
        st.tuples(
            st.sampled_from(["openclip_csv", "quilt_lookup", "img2dataset_wds", "laion", ""]),
            st.sampled_from([":", ""]),
            arbitrary,
            st.lists(st.one_of(arbitrary, st.just("root=x"), st.just("a=b=c")), max_size=2),
        ).map(lambda t: t[0] + t[1] + t[2] + "".join(";" + o for o in t[3])),
    )
)
def test_parse_spec(spec):
    with tempfile.TemporaryDirectory() as d:
        try:
            s = parse_spec(spec, Path(d))
        except SourceError as err:
            assert repr(spec) in str(err)
            return
        kind, rest = spec.split(":", 1)
        assert s.kind == kind and s.raw == spec
        assert s.path == (
            Path(d) / rest.split(";")[0] if not Path(rest.split(";")[0]).is_absolute() else Path(rest.split(";")[0])
        )
        assert all("=" in o for o in rest.split(";")[1:])


numbers = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False).map(repr), st.integers(0, 999).map(str), st.just(""), st.just(" 2.5 ")
)


def as_time(t: str):
    """The start/end a rows.csv cell must give: None when blank, a finite float, else BAD."""
    if not t.strip():
        return None
    try:
        x = float(t)
    except ValueError:
        return "BAD"
    return x if x == x and abs(x) != float("inf") else "BAD"


@SETTINGS
@given(
    st.lists(
        st.tuples(
            image_cells, caption_cells, st.one_of(numbers, arbitrary, st.sampled_from(["nan", "inf", "1e999", "x"]))
        ),
        max_size=5,
    ),
    DIALECTS,
)
@example([("img/a.jpg", "cap", "x")], (",", "\r\n", csv.QUOTE_MINIMAL))
@example([("img/a.jpg", "cap", "nan")], (",", "\r\n", csv.QUOTE_MINIMAL))
def test_release_rows(rows, dialect):
    """The release stage's rows.csv: a start or end that is no time is an error naming file, line
    and column (the file is quiltkit's own output: a bad time there is a broken file, not a row to skip)."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        layout(root)
        rel = root / "outputs" / "release"
        header = RELEASE_ROW_COLUMNS + ["caption"]
        cells = [
            [
                {"image_path": "n.jpg", "filepath": img, "video_id": "v", "start": t, "end": t, "caption": cap}.get(
                    h, ""
                )
                for h in header
            ]
            for img, cap, t in rows
        ]
        write_csv(rel / "rows.csv", header, cells, dialect)
        kept = [(resolves(img, root, root, rel), cap.strip(), as_time(t)) for img, cap, t in rows]
        kept = [k for k in kept if k[0] is not None and k[1]]
        try:
            ld = release_rows(rel, root)
        except SourceError as err:
            assert any(k[2] == "BAD" for k in kept), err
            assert f"{rel / 'rows.csv'}: row " in str(err) and "column 'start'" in str(err), err
            return
        assert not any(k[2] == "BAD" for k in kept)
        check_loaded(ld, len(rows), [(k[0], k[1]) for k in kept])
        assert [(r.start, r.end) for r in ld.rows] == [(k[2], k[2]) for k in kept]
