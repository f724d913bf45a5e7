"""The release's CSVs: parsed as data, bad cells named by file, line and column."""

import pytest

from quiltkit.release.files import ReleaseError, parse_name, parse_stable_times, read_data, read_lookup, read_recon
from tests.release.conftest import NAMES, STABLE, write_release


def test_reads_the_three_files(tmp_path):
    d = write_release(tmp_path / "rel", tmp_path / "lec.mp4")
    recon = read_recon(d / "quilt_recon.csv")["lec"]
    assert recon.key_frame_times[:3] == [0.0, 2.0, 7.0] and recon.predictions[1] is True
    assert recon.stable_times[0][1] == (7.5, 10.5) and recon.line == 2
    names = read_data(d / "quilt_data.csv")["lec"]
    assert [(n.image_path, n.chunk_id) for n in names] == NAMES
    assert names[0].medical_text == ["caption of lec_a.jpg"] and names[0].it_pair is True and names[0].fps == 10.0
    assert [r["image_path"] for r in read_lookup(d / "quilt_1M_lookup.csv")] == [n for n, _ in NAMES]


def test_a_bad_cell_names_file_line_and_column(tmp_path):
    rows = [["lec", "[0.0, 2.0]", "[0, 1]", repr(STABLE)], ["bad", "[0.0, 'x']", "[0]", "[]"]]
    d = write_release(tmp_path / "rel", tmp_path / "lec.mp4", recon_rows=rows)
    with pytest.raises(ReleaseError) as e:
        read_recon(d / "quilt_recon.csv")
    msg = str(e.value)
    assert f"{d / 'quilt_recon.csv'}:3: column 'key_frame_times'" in msg and "'x' is not a finite number" in msg


def test_lines_are_counted_as_an_editor_counts_them(tmp_path):
    # a caption with a newline inside its quotes spans two lines; the next row is on line 4
    d = write_release(
        tmp_path / "rel",
        tmp_path / "lec.mp4",
        lookup_rows=[
            ["two\nlines", "a.jpg", "quilt", "train", "[]", "", "", "", "[]", "", 1, 1],
            ["fine", "../escape.jpg", "quilt", "train", "[]", "", "", "", "[]", "", 1, 1],
        ],
    )
    with pytest.raises(ReleaseError, match=r"quilt_1M_lookup.csv:4: column 'image_path'"):
        read_lookup(d / "quilt_1M_lookup.csv")


def test_lists_are_literals_never_code(tmp_path):
    rows = [["lec", "__import__('os').system('touch pwned')", "[0]", "[]"]]
    d = write_release(tmp_path / "rel", tmp_path / "lec.mp4", recon_rows=rows)
    with pytest.raises(ReleaseError, match="not a Python literal"):
        read_recon(d / "quilt_recon.csv")
    assert not (tmp_path / "pwned").exists()


def test_many_bad_cells_reported_with_their_count(tmp_path):
    rows = [[f"v{i}", "[1.0]", "[2]", "[]"] for i in range(9)]
    d = write_release(tmp_path / "rel", tmp_path / "lec.mp4", recon_rows=rows)
    with pytest.raises(ReleaseError, match=r"9 bad cell\(s\)[\s\S]*4 more"):
        read_recon(d / "quilt_recon.csv")


def test_predictions_must_match_key_frames(tmp_path):
    d = write_release(tmp_path / "rel", tmp_path / "lec.mp4", recon_rows=[["lec", "[0.0, 1.0]", "[0]", "[]"]])
    with pytest.raises(ReleaseError, match=r":2: column 'predictions': 1 predictions for 2"):
        read_recon(d / "quilt_recon.csv")


def test_missing_column_and_missing_file(tmp_path):
    d = write_release(tmp_path / "rel", tmp_path / "lec.mp4")
    (d / "quilt_recon.csv").write_text("video_id,predictions\nlec,[0]\n")
    with pytest.raises(ReleaseError, match=r"missing column\(s\) \['key_frame_times', 'stable_times'\]"):
        read_recon(d / "quilt_recon.csv")
    with pytest.raises(ReleaseError, match="not found"):
        read_data(d / "nope.csv")


def test_a_name_listed_in_two_chunks_is_an_error(tmp_path):
    rows = [["lec", 0, "a.jpg", 10, 1, 1, 10, True, "[]"], ["lec", 1, "a.jpg", 10, 1, 1, 10, True, "[]"]]
    d = write_release(tmp_path / "rel", tmp_path / "lec.mp4", data_rows=rows)
    with pytest.raises(
        ReleaseError, match=r":3: column 'image_path': 'a.jpg' is also image of video lec chunk 0 \(line 2\)"
    ):
        read_data(d / "quilt_data.csv")


@pytest.mark.parametrize(
    "text,chunks",
    [
        ("[[[1, 4], [5, 9]], []]", [[(1.0, 4.0), (5.0, 9.0)], []]),
        ("[[1, 4]]", [[(1.0, 4.0)]]),  # one interval written without its list
        ("[[[[1, 4]], [[7, 8]]]]", [[(1.0, 4.0)]]),  # one level deeper: its first element
        ("[None, ()]", [[], []]),
    ],
)
def test_stable_times_shapes(text, chunks):
    assert parse_stable_times(text) == chunks


@pytest.mark.parametrize("bad", ["[[[4, 1]]]", "[[[1, 2, 3]]]", "[5]", "{'a': 1}"])
def test_stable_times_refused(bad):
    with pytest.raises(ValueError):
        parse_stable_times(bad)


@pytest.mark.parametrize("name", ["/etc/x.jpg", "a/../../x.jpg", "a\\b.jpg", "x.exe", "", "./x.jpg"])
def test_names_that_could_leave_the_images_folder(name):
    with pytest.raises(ValueError):
        parse_name(name)


def test_video_ids_become_file_names_so_they_are_checked(tmp_path):
    d = write_release(tmp_path / "rel", tmp_path / "lec.mp4", recon_rows=[["../../etc", "[0.0]", "[0]", "[]"]])
    with pytest.raises(ReleaseError, match=r"quilt_recon.csv:2: column 'video_id': not a video id"):
        read_recon(d / "quilt_recon.csv")
