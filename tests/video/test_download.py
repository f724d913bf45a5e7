"""Downloads through the real yt-dlp code path against a real HTTP server on 127.0.0.1."""

import http.server
import threading

import pytest

from quiltkit.config import DownloadParams
from quiltkit.contracts import VideoRecord
from quiltkit.video.download import VideoRow, download_video, read_video_list
from quiltkit.video.stage_run import run_download


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body: bytes = b""
    hits: dict = {}

    def log_message(self, *a):
        pass

    def do_HEAD(self):
        self._serve(head=True)

    def do_GET(self):
        self._serve(head=False)

    def _send(self, code, body=b"", headers=None, length=None):
        self.send_response(code)
        self.send_header("Content-Type", "video/mp4" if code == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            self.wfile.flush()

    def _serve(self, head):
        name = self.path.split("?")[0].strip("/")
        n = self.hits[name] = self.hits.get(name, 0) + 1
        body = self.body
        if name == "ok.mp4":
            return self._send(200, body)
        if name == "missing.mp4":
            return self._send(404, b"not found")
        if name == "forbidden.mp4":
            return self._send(403, b"forbidden")
        if name == "busy.mp4":  # rate-limited on the first request, fine afterwards
            if n == 1:
                return self._send(429, b"slow down", {"Retry-After": "1"})
            return self._send(200, body)
        if name == "flaky.mp4":  # server error once, then fine
            if n == 1:
                return self._send(503, b"unavailable")
            return self._send(200, body)
        if name == "cut.mp4":  # connection dropped half-way through the body, every time
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if name == "lecture.html":  # a web page with an HTML5 video and an English subtitle track
            page = (
                b"<html><head><title>Renal lecture</title></head><body><video controls>"
                b'<source src="/ok.mp4" type="video/mp4"><track kind="subtitles" srclang="en" src="/subs.vtt">'
                b"</video></body></html>"
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(page)
            return
        if name == "subs.vtt":
            return self._send(200, b"WEBVTT\n\n00:00.000 --> 00:02.000\nthe glomerulus\n")
        if name == "garbage.mp4":  # a complete response that is not a video
            return self._send(200, b"\x00\x01not a video" * 500)
        if name == "short.mp4":  # Content-Length promises more than is sent
            self._send(200, body, length=len(body) + 5000)
            self.close_connection = True
            return
        self._send(404, b"?")


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the client hanging up on a cut connection is part of the test


@pytest.fixture()
def server(lecture_mp4):
    _Handler.body = lecture_mp4.read_bytes()
    _Handler.hits = {}
    httpd = _Server(("127.0.0.1", 0), _Handler)
    th = threading.Thread(target=httpd.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


# one file per download (split_streams, the default, has its own test below)
FAST = DownloadParams(retries=2, backoff_seconds=0.05, socket_timeout=5, split_streams=False)


def _get(server, tmp_path, name, params=FAST, sleeps=None):
    return download_video(
        VideoRow(name.split(".")[0], f"{server}/{name}", title="T"),
        params,
        tmp_path,
        sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
    )


def test_success_writes_video_info_and_record(server, tmp_path, lecture_mp4):
    rec = _get(server, tmp_path, "ok.mp4")
    assert rec.status == "ok", rec.error
    assert (tmp_path / rec.video_path).read_bytes() == lecture_mp4.read_bytes()
    assert rec.info_path == "ok.info.json" and (tmp_path / "ok.info.json").exists()
    assert VideoRecord.read(tmp_path / "ok.record.json").status == "ok"
    assert rec.attempts == 1


@pytest.mark.parametrize("name,code", [("missing.mp4", "404"), ("forbidden.mp4", "403")])
def test_client_errors_fail_without_retry(server, tmp_path, name, code):
    rec = _get(server, tmp_path, name)
    assert rec.status == "failed" and code in rec.error
    assert rec.attempts == 1
    assert not list(tmp_path.glob("*.mp4"))


def test_429_honours_retry_after_then_succeeds(server, tmp_path):
    sleeps = []
    rec = _get(server, tmp_path, "busy.mp4", sleeps=sleeps)
    assert rec.status == "ok", rec.error
    assert rec.attempts == 2
    assert sleeps == [1.0]  # the server's Retry-After, not our backoff


def test_5xx_retried_with_backoff(server, tmp_path):
    sleeps = []
    rec = _get(server, tmp_path, "flaky.mp4", sleeps=sleeps)
    assert rec.status == "ok" and rec.attempts == 2 and sleeps == [0.05]


@pytest.mark.parametrize("name", ["cut.mp4", "short.mp4"])
def test_incomplete_body_is_retried_then_recorded_failed(server, tmp_path, name):
    sleeps = []
    rec = _get(server, tmp_path, name, sleeps=sleeps)
    assert rec.status == "failed"
    assert rec.attempts == 3 and sleeps == [0.05, 0.1]  # exponential backoff
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob("*.part"))


def test_stage_rerun_retries_only_failed(server, tmp_path, lecture_mp4, monkeypatch):
    monkeypatch.chdir(tmp_path)
    local = tmp_path / "videos" / "local.mp4"
    local.parent.mkdir()
    local.write_bytes(lecture_mp4.read_bytes())
    csv = tmp_path / "list.csv"
    csv.write_text(
        "video_id,url,title,channel,duration\n"
        f"a/../1,{server}/ok.mp4,One,Ch,17\n"
        f"two,{server}/missing.mp4,Two,Ch,\n"
        "three,videos/local.mp4,Three,Ch,17\n"
    )
    params = DownloadParams(video_list=str(csv), retries=0)
    out = tmp_path / "out"
    m = run_download(params, out)
    assert (m["ok"], m["failed"], m["cached"]) == (2, 1, 0)
    assert VideoRecord.read(out / "a_1.record.json").status == "ok"  # id sanitised
    three = VideoRecord.read(out / "three.record.json")
    # a local path is fetched as a file:// URI but recorded as written (portable across checkouts)
    assert three.status == "ok" and three.url == "videos/local.mp4" and three.title == "Three"
    assert read_video_list(csv)[2].fetch_url == local.resolve().as_uri()
    hits_before = dict(_Handler.hits)
    m2 = run_download(params, out)
    assert (m2["cached"], m2["failed"], m2["downloaded"]) == (2, 1, 0)
    assert _Handler.hits.get("ok.mp4") == hits_before.get("ok.mp4")  # done video not fetched again
    assert _Handler.hits["missing.mp4"] > hits_before["missing.mp4"]  # failed one retried


def test_video_list_errors_name_the_row(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("video_id,url\nx,http://a/b.mp4\nx,http://a/c.mp4\n")
    with pytest.raises(ValueError, match=r"l.csv:3"):
        read_video_list(p)
    p.write_text("id,link\n")
    with pytest.raises(ValueError, match="missing column"):
        read_video_list(p)


def test_a_downloaded_file_that_is_not_a_video_is_rejected(server, tmp_path):
    rec = _get(server, tmp_path, "garbage.mp4")
    assert rec.status == "failed" and "cannot open as video" in rec.error
    # the error is about the user's source, not our copy, and carries no FFmpeg errno noise
    assert rec.error.startswith(rec.url + ": ") and str(tmp_path) not in rec.error and "Errno" not in rec.error
    assert not list(tmp_path.glob("garbage.mp4"))


def test_rate_limit_and_cookies_options(tmp_path):
    from quiltkit.video.download import ydl_options

    opts = ydl_options(DownloadParams(rate_limit="2M"), tmp_path, "v")
    assert opts["ratelimit"] == 2 * 1024 * 1024 and opts["enable_file_urls"] is True
    with pytest.raises(ValueError, match="rate_limit"):
        ydl_options(DownloadParams(rate_limit="fast"), tmp_path, "v")
    with pytest.raises(FileNotFoundError, match="cookies_file"):
        ydl_options(DownloadParams(cookies_file=str(tmp_path / "none.txt")), tmp_path, "v")
    jar = tmp_path / "cookies.txt"
    jar.write_text("# Netscape HTTP Cookie File\n")
    assert ydl_options(DownloadParams(cookies_file=str(jar)), tmp_path, "v")["cookiefile"] == str(jar)


def test_subtitles_offered_by_the_page_are_kept(server, tmp_path):
    rec = _get(server, tmp_path, "lecture.html")
    assert rec.status == "ok", rec.error
    assert rec.video_path == "lecture.mp4"
    assert rec.subtitle_paths == ["lecture.en.vtt"]
    assert "glomerulus" in (tmp_path / "lecture.en.vtt").read_text()
    no_subs = download_video(VideoRow("quiet", f"{server}/lecture.html"), DownloadParams(subtitles=False), tmp_path)
    assert no_subs.status == "ok" and no_subs.subtitle_paths == [] and not (tmp_path / "quiet.en.vtt").exists()


def test_split_streams_leaves_a_video_file_and_an_audio_file(server, tmp_path, lecture_mp4):
    from quiltkit.speech.transcribe import resolve_audio_path
    from quiltkit.video.download import is_done

    rec = _get(server, tmp_path, "ok.mp4", params=FAST.model_copy(update={"split_streams": True}))
    assert rec.status == "ok", rec.error
    assert (rec.video_path, rec.audio_path) == ("ok.video.mp4", "ok.audio.mp4")
    assert not (tmp_path / "ok.mp4").exists()  # the muxed download is replaced by its two parts
    assert is_done(tmp_path, "ok")
    assert (
        resolve_audio_path(VideoRecord.read(tmp_path / "ok.record.json"), tmp_path / "ok.record.json")
        == tmp_path / "ok.audio.mp4"
    )
    (tmp_path / "ok.audio.mp4").unlink()
    assert not is_done(tmp_path, "ok")  # a lost part means the download is redone


def test_a_local_lecture_records_the_lists_provenance(tmp_path, lecture_mp4):
    """A researcher's own file: yt-dlp knows nothing of it, so the list's uploader, licence and
    date are what the record (and later every dataset row) carries."""
    src = tmp_path / "mine.mp4"
    src.write_bytes(lecture_mp4.read_bytes())
    lst = tmp_path / "l.csv"
    lst.write_text(
        "video_id,url,title,channel,uploader,license,upload_date\n"
        f"me1,{src},Renal biopsy,My department,Dr. Me,CC-BY-4.0,2024-05-02\n"
    )
    (row,) = read_video_list(lst)
    rec = download_video(row, DownloadParams(split_streams=False), tmp_path / "out")
    assert rec.status == "ok", rec.error
    assert (rec.title, rec.channel, rec.uploader, rec.license, rec.upload_date) == (
        "Renal biopsy",
        "My department",
        "Dr. Me",
        "CC-BY-4.0",
        "20240502",
    )
    lst.write_text(f"video_id,url,upload_date\nme1,{src},last tuesday\n")
    with pytest.raises(ValueError, match=r"l.csv:2: upload_date 'last tuesday'"):
        read_video_list(lst)


def test_video_keys_change_with_the_row_or_the_local_file_only(tmp_path, lecture_mp4):
    from quiltkit.video.download import video_keys

    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    a.write_bytes(lecture_mp4.read_bytes())
    b.write_bytes(lecture_mp4.read_bytes())
    lst = tmp_path / "l.csv"
    lst.write_text(f"video_id,url,title\nva,{a},A\nvb,{b},B\n")
    params = DownloadParams(video_list=str(lst))
    keys, sources = video_keys(params)
    assert set(keys) == {"va", "vb"} and keys["va"] != keys["vb"] and {a, b} <= set(sources)
    lst.write_text(f"video_id,url,title\nva,{a},A\nvb,{b},B renamed\nvc,{a},C\n")
    k2, _ = video_keys(params)
    assert k2["va"] == keys["va"] and k2["vb"] != keys["vb"] and "vc" in k2
    b.write_bytes(lecture_mp4.read_bytes() + b"\0")  # the same name, other bytes
    k3, _ = video_keys(params)
    assert k3["va"] == keys["va"] and k3["vb"] != k2["vb"]
    lst.write_text("video_id,link\n")
    with pytest.raises(ValueError, match="missing column"):
        video_keys(params)
