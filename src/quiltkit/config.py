"""One typed schema for params.yaml.

Every stage reads its section through `load_params()`, which validates the *whole* file before
any work starts: a typo in an unrelated section still fails fast, because `dvc exp run -S` edits
params.yaml and a silent mistake there would only surface hours later in another stage. Unknown
keys are errors (extra="forbid"), and every error message names the dotted key that is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

TISSUE_CLASSES_TABLE = Path(__file__).parent / "demo" / "data" / "tissue_classes.yaml"


class ParamsError(ValueError):
    """params.yaml is missing, not YAML, or fails the schema. The message names the key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------------------------
# project-wide


class ProjectParams(Section):
    seed: int = 1337
    # Where MLflow runs go. A relative sqlite path is resolved against the *original* repository
    # root, even inside `dvc exp run --queue` temp copies (see quiltkit.paths.repo_root).
    mlflow_tracking_uri: str = "sqlite:///mlflow.db"
    mlflow_experiment: str = "quiltkit"
    workers: int = Field(2, ge=1, description="processes for per-video work")
    executor: Literal["local", "ray"] = "local"
    ray_address: Optional[str] = None  # None: start a local Ray; "auto" or "ray://host:port": join


# --------------------------------------------------------------------------------------------
# demo corpus and the held-out corpus


class DemoParams(Section):
    n_videos: int = Field(6, ge=1)
    video_seconds: float = Field(
        75.0, ge=30.0
    )  # shorter cannot hold title, presenter, 2 histology shots, silence and a repeat
    width: int = Field(640, ge=160)
    height: int = Field(360, ge=90)
    fps: int = Field(24, ge=5, le=60)
    tissue_classes: list[str] = [
        "normal colonic mucosa",
        "colorectal adenocarcinoma",
        "lymphoid tissue",
        "adipose tissue",
        "fibrous stroma",
    ]
    eval_patches_per_class: int = Field(40, ge=4)
    retrieval_pairs: int = Field(60, ge=4)
    external_pairs: int = Field(300, ge=0)
    classifier_frames_per_class: int = Field(160, ge=4)
    patch_size: int = Field(224, ge=32)
    crf: int = Field(27, ge=0, le=51, description="x264 quality of the demo videos (lower: larger, sharper)")
    # Which styles of quiltkit/demo/data/styles.yaml paint the videos and the classifier's frames.
    style_split: Literal["train", "holdout"] = "train"
    extra_shots: int = Field(1, ge=0, le=4, description="document, screen, photo or gross shots per video")
    voices: list[str] = Field(["en-us"], min_length=1, description="espeak-ng voices, one per video in turn")
    # The lecturer's pointer, one per video in turn (demo/slides.py POINTER_KINDS): the demo's is
    # the arrow the tracker was developed on; the held-out corpus points with others.
    pointers: list[Literal["arrow", "crosshair", "laser"]] = Field(["arrow"], min_length=1)

    @field_validator("width", "height")
    @classmethod
    def _even(cls, v: int) -> int:
        # H.264 in yuv420p subsamples chroma 2x2: odd frame sizes cannot be encoded
        if v % 2:
            raise ValueError(f"must be even for H.264/yuv420p, got {v}")
        return v

    @field_validator("tissue_classes")
    @classmethod
    def _known_classes(cls, v: list[str]) -> list[str]:
        # The names come from the demo's data table, not its code: the schema sits under every
        # domain, the demo renderer included.
        known = [row["name"] for row in yaml.safe_load(TISSUE_CLASSES_TABLE.read_text(encoding="utf-8"))]
        unknown = [c for c in v if c not in known]
        if unknown:
            raise ValueError(f"unknown tissue class {unknown}; known: {sorted(known)}")
        if len(set(v)) < 2:
            raise ValueError("need at least two distinct tissue classes")
        return v


# --------------------------------------------------------------------------------------------
# curation: video side


class HoldoutParams(Section):
    """The held-out corpus (data/holdout): the demo's lectures made with the styles of split
    `holdout` only, its own seed, other voices and a lower bitrate. Nothing is trained or tuned on
    it; it is scored beside the demo so an in-distribution figure is never read alone."""

    seed: int = 2718
    n_videos: int = Field(4, ge=1)
    video_seconds: float = Field(75.0, ge=30.0)
    crf: int = Field(32, ge=0, le=51)
    extra_shots: int = Field(2, ge=0, le=4)
    voices: list[str] = Field(["en", "en-gb-x-rp", "en-us-nyc", "en-gb-scotland"], min_length=1)
    pointers: list[Literal["arrow", "crosshair", "laser"]] = Field(["crosshair", "laser"], min_length=1)

    def corpus_params(self, demo: DemoParams) -> DemoParams:
        """The demo's params with the held-out corpus's own: frame size, fps and classes stay."""
        over = self.model_dump(exclude={"seed"})
        return DemoParams.model_validate({**demo.model_dump(), **over, "style_split": "holdout"})


class DiscoveryParams(Section):
    """Finding candidate videos (quiltkit.video.discovery); not part of the offline demo DAG."""

    # yt-dlp inputs: "ytsearch50:histopathology lecture", channel or playlist URLs, RSS feeds
    sources: list[str] = []
    out: str = "outputs/discovery/candidates.csv"
    min_duration: float = Field(60.0, ge=0)
    max_duration: float = Field(4 * 3600.0, gt=0)
    keep_unknown_duration: bool = True
    languages: list[str] = ["en"]  # kept when the entry's language is unknown
    include_keywords: list[str] = ["histolog", "patholog", "biopsy", "tissue", "slide", "microscop", "carcinoma"]
    exclude_keywords: list[str] = ["#shorts", "asmr"]
    max_entries_per_source: int = Field(500, ge=1)


class DownloadParams(Section):
    video_list: str = "data/demo/video_list.csv"
    # The corpus's folder: DVC watches it for the list's local (file://) videos, and the curation
    # stage looks in <corpus_dir>/ground_truth for what to score against (none: it says so).
    # params_check fails on a local video outside it, which DVC would not see change.
    corpus_dir: str = "data/demo"
    # yt-dlp format selector: smallest mp4 at or above 360p with audio, else anything with both.
    format: str = "worst[ext=mp4][height>=360][acodec!=none]/best[ext=mp4][acodec!=none]/best"
    retries: int = Field(3, ge=0)
    backoff_seconds: float = Field(2.0, ge=0)
    rate_limit: Optional[str] = None  # e.g. "2M" bytes/s
    cookies_file: Optional[str] = None
    subtitles: bool = True
    socket_timeout: float = Field(30.0, gt=0)
    allow_file_urls: bool = True
    # Split each download into a video-only and an audio-only file (a stream copy, no decoding),
    # so the asr stage reads only the sound and the frames stage only the picture: each byte is
    # read once after the download instead of twice (see quiltkit.video.streams).
    split_streams: bool = True
    discovery: DiscoveryParams = DiscoveryParams()


class ScenesParams(Section):
    detector: Literal["content", "adaptive", "threshold"] = "content"
    # Passed as-is to the PySceneDetect detector, whose scales differ: content ~27,
    # adaptive ~3 (a ratio to the local average), threshold ~12 (mean pixel level for fades).
    threshold: float = Field(27.0, gt=0)
    min_scene_seconds: float = Field(1.0, ge=0)
    # The detectors see the analysis frame shrunk by this factor. Keep it a divisor of the frame
    # size: OpenCV's area resize has a fast path for integer ratios (3 on a 640-wide frame costs
    # 3.5x what 4 does). 4 (160x90 for 360p) still finds all the demo's cuts, slide changes and
    # crossfades (scene F1 1.0), for half the detectors' work of 2.
    downscale: int = Field(4, ge=1)
    # Text-slide changes that PySceneDetect's colour-based score misses: fraction of pixels whose
    # grey level jumps, as an isolated spike (0 disables; see quiltkit.video.scenes).
    slide_change_fraction: float = Field(0.006, ge=0, le=1)
    # Crossfades: frames W apart on both sides of a centre differ by >= dissolve_min_change grey
    # levels while the centre is their average within dissolve_max_residual of that change
    # (0 window disables; see quiltkit.video.scenes.DissolveDetector).
    dissolve_window_seconds: float = Field(0.5, ge=0)
    dissolve_min_change: float = Field(20.0, ge=0)
    dissolve_max_residual: float = Field(0.15, gt=0)
    # The cut detectors look at this many frames per second (0: every decoded frame). A lecture
    # cut is a change that lasts, so 12 looks of a 24/30/60 fps video find the same cuts, a frame
    # later at worst, for half the per-frame work (the frames stage's largest cost after decoding).
    detect_fps: float = Field(8.0, ge=0)


class StableParams(Section):
    sample_fps: float = Field(2.0, gt=0)
    crop_size: int = Field(64, ge=8)
    ssim_threshold: float = Field(0.98, gt=0, le=1)
    min_stable_seconds: float = Field(3.0, ge=0)
    fallback_diff_threshold: float = Field(0.15, ge=0)
    # the fallback keeps at most this many frames per scene (a long pan would propose one
    # image every half second)
    max_fallback_images: int = Field(8, ge=1)
    # A stable interval's median is taken over at most this many evenly spaced frames (a longer
    # run is thinned as it grows). It sets the frames stage's memory ceiling: 32 frames of
    # 640x360 RGB are 22 MB, whatever the video's length; 16 (11 MB) spread over the interval
    # still erase a pointer and average out noise.
    median_frames: int = Field(16, ge=2)


class HistologyParams(Section):
    # effnet: ImageNet EfficientNet-Lite0 features (weights shipped in a pip package) and stain
    # features under a logistic head; stain: the stain features alone (the transparent
    # baseline); timm: a user's fine-tuned network.
    backend: Literal["effnet", "stain", "timm"] = "effnet"
    # The labelled frames the histo_classifier stage trains the effnet or stain head on: a folder
    # holding labels.csv (filepath,label[,kind,group]); the demo's by default, or a user's own.
    train_frames: str = "data/demo/classifier_frames"
    # A model to use as it is, with no training: an effnet/stain model JSON, or a timm checkpoint.
    model_path: Optional[str] = None
    timm_model: Optional[str] = None  # e.g. "convnext_tiny" when backend == "timm"
    with_stain_features: bool = True  # effnet: join the stain features to the image features
    # A frame mostly covered by lines of text (a slide, a page, a screen) is not histology, and
    # tissue inside viewer software is judged on the tissue, not on the toolbars around it.
    text_guard: bool = True
    text_max_fraction: float = Field(0.12, ge=0, le=1)
    crop_chrome: bool = True
    threshold: float = Field(0.5, ge=0, le=1)
    min_video_histology_share: float = Field(0.05, ge=0, le=1)
    blur_min_laplacian_var: float = Field(5.0, ge=0)
    # Where the effnet or timm network runs ("cuda", "cuda:1"); on a Ray cluster a frames task
    # then reserves gpus_per_task of a GPU (0.5: two workers share a card). The stain model is CPU only.
    device: str = "cpu"
    gpus_per_task: float = Field(1.0, gt=0)
    # Images the frames stage gathers across scenes before it calls the classifier: a timm model
    # on a GPU is latency bound image by image and costs about the same for a batch (raise it to
    # 32-64 there). Outputs do not depend on it; memory grows by up to this many frames (0.7 MB
    # each at 640x360). The CPU stain model costs the same per image at any batch size (2 ms).
    batch_size: int = Field(8, ge=1)

    @model_validator(mode="after")
    def _device_needs_timm(self):
        if self.device != "cpu" and self.backend == "stain":
            raise ValueError(
                f"frames.histology.device={self.device!r} needs backend effnet or timm "
                "(the stain model runs on the CPU)"
            )
        if self.backend == "timm" and not (self.model_path and self.timm_model):
            raise ValueError(
                "frames.histology.backend=timm needs model_path (a state_dict) and timm_model (its architecture)"
            )
        return self


class PointerTrackParams(Section):
    # The lecturer's pointer, tracked in every histology stable interval against the interval's
    # median (quiltkit.video.pointer): its positions go on the chunk image, and the pairs stage
    # grounds each sentence in them (pairs.grounding). The detector's limits are the module's
    # own (video/pointer.py PointerParams): they are about codecs and cursors, not a corpus.
    enabled: bool = True
    # A frame whose whole view moves (a pan, a zoom) against the median: "align" reads it against
    # its neighbours moved onto it (ORB keypoints, a RANSAC similarity), "skip" leaves it unread.
    moving_views: Literal["align", "skip"] = "align"


class FramesParams(Section):
    scenes: ScenesParams = ScenesParams()
    stable: StableParams = StableParams()
    histology: HistologyParams = HistologyParams()
    pointer: PointerTrackParams = PointerTrackParams()
    image_format: Literal["jpg", "png"] = "png"
    max_side: int = Field(1024, ge=64)
    # The keyframe of a scene is its first sampled frame this long after the cut, so that the
    # tail of a crossfade or a settling zoom is not what gets classified.
    keyframe_offset_seconds: float = Field(0.5, ge=0)
    # Decode only the frames other frames are predicted from (H.264's non-reference B-frames are
    # skipped). The detectors (scenes.detect_fps) and the stable sampler take frames by time and
    # rarely need more: on the demo's 24 fps x264 files 14 frames/s remain for 8 + 2 looks, and
    # decoding costs half. Off: every frame is decoded (needed for frame-exact cuts).
    decode_reference_only: bool = True
    # Nucleus diameter / short image side below which a chunk image is "low" and from which it
    # is "high" magnification (see quiltkit.video.quality.magnification).
    magnification_thresholds: tuple[float, float] = (0.0105, 0.018)
    # pHash bits within which a chunk image is recorded as a repeat of an earlier one in the same
    # video (kept, marked duplicate_of). On the demo a re-shown shot is 0-12 bits from its first
    # showing (the pointer and pan phase differ); different pictures are >= 22 apart.
    duplicate_hamming: int = Field(12, ge=0, le=64)


# --------------------------------------------------------------------------------------------
# curation: speech and text


class AsrParams(Section):
    backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    # faster-whisper: a name in speech/asr_models.json (tiny.en, English-only; base, multilingual,
    # assembled from two packages), a local CTranslate2 directory, or a hub name (needs a network).
    # openai-whisper: a .pt checkpoint path, or a released name (tiny, base, ...) in ~/.cache/whisper.
    model: str = "tiny.en"
    device: str = "cpu"
    compute_type: str = "int8"
    beam_size: int = Field(5, ge=1)
    # > 1: faster-whisper's BatchedInferencePipeline (VAD chunks decoded independently, each with
    # the prompt). On the demo it beat sequential decoding: WER 18% vs 19-23%, terms 29/38 vs 22/38.
    batch_size: int = Field(4, ge=1)
    vad_filter: bool = True
    word_timestamps: bool = True
    initial_prompt: Literal["vocabulary", "none"] = "vocabulary"
    prompt_max_tokens: int = Field(64, ge=8, le=200)  # Whisper keeps <= 223; long term lists hurt (speech/prompt.py)
    prompt_fallback: bool = True  # re-decode, unprompted, speech the prompted pass lost (speech/transcribe.py)
    language: Optional[str] = "en"
    skip_non_english: bool = True
    cpu_threads: int = Field(0, ge=0)
    # Audio is transcribed in windows of this many seconds, cut at a pause (speech/audio.py), so
    # a worker's memory does not grow with the lecture's length.
    window_seconds: float = Field(60.0, ge=30.0)
    # On a Ray cluster, what one ASR task reserves of a GPU when device is cuda (0.5: two workers
    # share one card; large-v3 in float16 needs ~5 GB). Ray then sets CUDA_VISIBLE_DEVICES per task.
    gpus_per_task: float = Field(1.0, gt=0)


class LlmParams(Section):
    enabled: bool = False
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "gpt-4o-mini"
    api_key_env: str = "QUILTKIT_LLM_API_KEY"
    timeout_seconds: float = Field(60.0, gt=0)
    max_retries: int = Field(3, ge=0)
    requests_per_minute: float = Field(60.0, gt=0)
    cache_dir: str = "outputs/llm_cache"
    backoff_seconds: float = Field(1.0, ge=0)  # first retry delay; doubles per retry
    correct: bool = True  # LLM correction after the vocabulary corrector
    roles: bool = True  # LLM roi/medical/other labels instead of the rules


class TextParams(Section):
    correction: bool = True
    fuzzy_min_score: float = Field(88.0, ge=0, le=100)
    umls_quickumls_path: Optional[str] = None
    use_hpo: bool = True
    use_icd10: bool = True
    keywords_per_chunk: int = Field(5, ge=0)
    vocab_cache_dir: str = "outputs/cache/vocabulary"  # merged HPO/ICD vocabulary, built once
    llm: LlmParams = LlmParams()


# --------------------------------------------------------------------------------------------
# pairing and dataset


class GroundingParams(Section):
    """Where in its image a pair's sentence points (quiltkit.pairing.grounding): the pointer's
    positions while the sentence is spoken (frames.pointer), clustered in space and time."""

    enabled: bool = True
    min_points: int = Field(2, ge=1)  # pointer positions in the sentence's span, fewer: no region
    # positions within this share of the image diagonal of the cluster's core belong to it
    cluster_radius: float = Field(0.2, gt=0, le=1)
    # the cluster must hold this share of the span's positions, else the pointer wandered: no region
    min_cluster_share: float = Field(0.5, gt=0, le=1)
    pad: float = Field(0.04, ge=0, le=0.5)  # margin around the positions, share of the image's longer side


class PairsParams(Section):
    aligner: Literal["quilt", "sentence"] = "sentence"
    pair_chunk_time: float = Field(10.0, gt=0)
    # Quilt sets pair_chunk_time per video from its pace; "fixed" keeps the value above.
    pair_chunk_time_mode: Literal["fixed", "per_video"] = "per_video"
    min_words: int = Field(3, ge=1)
    # per_video: median histology-scene length of the video, clipped to [min, max] (pairing/pace.py)
    pair_chunk_time_min: float = Field(4.0, gt=0)
    pair_chunk_time_max: float = Field(30.0, gt=0)
    # images below this histology probability are never paired
    histology_threshold: float = Field(0.5, ge=0, le=1)
    # sentence aligner (pairing/sentence_aligner.py)
    crossfade_tolerance: float = Field(1.0, ge=0)  # seconds an image interval is widened by
    min_overlap: float = Field(0.3, ge=0, le=1)  # share of a sentence that must fall on its image
    min_score: float = Field(0.2, ge=0, le=1)
    # a (merged) sentence also pairs with another scene holding this share of it and this many seconds
    second_scene_share: float = Field(0.3, gt=0, le=1)
    second_scene_seconds: float = Field(2.0, ge=0)
    grounding: GroundingParams = GroundingParams()


# --------------------------------------------------------------------------------------------
# rebuilding Quilt-1M from its public release (quiltkit.release)


class ReleaseDownloadParams(Section):
    # The images need the picture only: the smallest video-only stream at 720p or more
    # (bandwidth is the rebuild's largest cost), else the best video-only below that, else a
    # muxed file (a direct file URL has no separate streams).
    format: str = "wv[height>=720][ext=mp4]/wv[height>=720]/bv[ext=mp4]/bv/b"
    retries: int = Field(3, ge=0)
    backoff_seconds: float = Field(2.0, ge=0)
    rate_limit: Optional[str] = None  # e.g. "4M" bytes/s per download
    cookies_file: Optional[str] = None  # a Netscape cookies.txt for videos that need a signed-in viewer
    socket_timeout: float = Field(30.0, gt=0)
    allow_file_urls: bool = True


class ReleaseFixtureParams(Section):
    """The demo's releases (stages/release_fixture.py): data/demo and data/holdout described in the
    release's formats, with the true image of every name, in data/release_demo and
    data/release_holdout (quiltkit.demo.release_fixture.FIXTURES)."""

    pair_chunk_time: float = Field(10.0, gt=0)
    # stable intervals stop this far inside their shot, as a detector's would (never on a cut)
    interval_margin: float = Field(0.5, ge=0)
    missing_videos: int = Field(1, ge=0)  # listed videos whose source is gone: their rows' cost is measured


class ReleaseParams(Section):
    # false: the stage writes an empty rows.csv and the dataset has no quilt_release rows
    enabled: bool = True
    # The folder with quilt_1M_lookup.csv, quilt_data.csv and quilt_recon.csv (a DVC dependency,
    # so it must exist even when the rebuild is off).
    dir: str = "data/release_demo"
    lookup_csv: str = "quilt_1M_lookup.csv"  # the three files, relative to dir
    data_csv: str = "quilt_data.csv"
    recon_csv: str = "quilt_recon.csv"
    # Where each video id is fetched from: a download-stage list (video_id,url,...) relative to
    # dir; null: https://www.youtube.com/watch?v=<id>.
    video_list: Optional[str] = "video_list.csv"
    # Reference images named by image_path (the access-controlled release's own), relative to
    # dir: the fidelity report compares each rebuilt image with its reference. null: none.
    reference_dir: Optional[str] = "reference"
    videos: list[str] = []  # rebuild only these ids ([]: every video of quilt_data.csv)
    keep_videos: bool = False  # delete each download once its images are made (1,087 h of video is ~1 TB at 720p)
    download: ReleaseDownloadParams = ReleaseDownloadParams()
    # the release's rules
    min_stable_seconds: float = Field(3.0, ge=0)  # an interval this long gives a median image
    ssim_threshold: float = Field(
        0.98, gt=0, le=1
    )  # a frame is stable when its crop's SSIM with a neighbour's exceeds this
    crop_size: int = Field(64, ge=8)
    fallback_ssim_max: float = Field(
        0.02, gt=-1, le=1
    )  # a key frame joins the fallback when its SSIM to the last one is below this
    keyframe_offset_seconds: float = Field(0.0, ge=0)  # the release reads the key frame at its time
    # quiltkit's choices where the release's are a cost, not a rule
    sample_fps: Optional[float] = Field(
        2.0, gt=0
    )  # frames per second of an interval the median sees (null: every frame, as the release)
    median_frames: int = Field(32, ge=2)  # at most this many, evenly spread
    match_lookup_size: bool = True  # save at quilt_data.csv's height x width when the download's size differs
    jpeg_quality: int = Field(95, ge=1, le=100)
    rescreen: bool = False  # run quiltkit's histology classifier (frames.histology) over the rebuilt images
    rescreen_threshold: float = Field(0.5, ge=0, le=1)
    fixture: ReleaseFixtureParams = ReleaseFixtureParams()


EXTERNAL_SOURCE_KINDS = ("openclip_csv", "quilt_lookup", "img2dataset_parquet", "img2dataset_wds")


class DatasetParams(Section):
    external_sources: list[str] = ["openclip_csv:data/demo/external/pairs.csv"]
    # The folder holding every external source (what DVC watches for them: a list of paths
    # cannot be a dvc.yaml dependency); params_check fails on a source outside it.
    external_dir: str = "data/demo/external"
    near_dup_hamming: int = Field(6, ge=0, le=64)
    val_fraction: float = Field(0.1, ge=0, lt=1)
    test_fraction: float = Field(0.1, ge=0, lt=1)
    shard_size: int = Field(1000, ge=1)
    image_size: int = Field(224, ge=32)
    card_samples: int = Field(48, ge=0)
    # one extra row per video image whose caption joins its sentences (ROI sentences first)
    combined_captions: bool = True
    # dataset images this close (pHash bits) to an evaluation image are dropped
    eval_leak_hamming: int = Field(6, ge=0, le=64)
    eval_sets: list[str] = ["data/demo/eval/patches.csv", "data/demo/eval/retrieval.csv"]
    # a takedown list: video ids whose rows and images leave the dataset on the next build
    exclude_videos: list[str] = []
    # The release stage's rebuilt Quilt-1M rows (outputs/release) join as source quilt_release.
    # Off on the demo: its fixture release describes the very videos the curation already pairs,
    # so merging trains on them twice (README, "Rebuilding Quilt-1M"); on for a real release.
    include_release: bool = False

    @field_validator("external_sources")
    @classmethod
    def _source_specs(cls, v: list[str]) -> list[str]:
        # a field validator, so that the error names dataset.external_sources, not just dataset
        for spec in v:
            kind = spec.split(":", 1)[0]
            if ":" not in spec or kind not in EXTERNAL_SOURCE_KINDS:
                raise ValueError(f"external source {spec!r}: expected 'kind:path' with kind in {EXTERNAL_SOURCE_KINDS}")
        return v

    @model_validator(mode="after")
    def _fractions(self):
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError("val_fraction + test_fraction must be < 1")
        return self


# --------------------------------------------------------------------------------------------
# training and evaluation


class TrainParams(Section):
    model: str = "quiltkit-tiny"  # an open_clip name, or a JSON config under src/quiltkit/model/configs
    pretrained: Optional[str] = None  # open_clip tag or local checkpoint path
    epochs: int = Field(12, ge=1)
    batch_size: int = Field(64, ge=2)
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.1, ge=0)
    warmup_steps: int = Field(20, ge=0)
    precision: Literal["32-true", "bf16-mixed", "16-mixed"] = "32-true"
    accumulate_grad_batches: int = Field(1, ge=1)
    grad_checkpointing: bool = False
    lock_image: bool = False
    lock_text: bool = False
    loss: Literal["clip", "siglip"] = "clip"
    devices: int = Field(1, ge=1)  # per node
    # Nodes of a multi-node DDP run: launch stages/train.py on each (torchrun --nnodes, or SLURM's
    # srun), Lightning reads rank and address from that environment. Global batch = batch_size x
    # devices x num_nodes; each rank reads its own slice of the shards.
    num_nodes: int = Field(1, ge=1)
    accelerator: str = "cpu"
    strategy: str = "auto"
    num_workers: int = Field(0, ge=0)
    threads: int = Field(2, ge=1)
    augment: bool = True
    eval_every_epochs: int = Field(1, ge=1)
    # data: webdataset shard glob / directory, or an open_clip CSV (filepath,title)
    train_data: str = "outputs/dataset/shards/train-*.tar"
    val_data: Optional[str] = "outputs/dataset/shards/val-*.tar"
    max_steps: Optional[int] = Field(None, ge=1)  # stop early (smoke runs); None: train all epochs
    checkpoint_every_n_steps: int = Field(25, ge=0)  # last.ckpt cadence for resume after a kill; 0: epochs only
    resume: bool = True  # continue from outputs/train/checkpoints/last.ckpt when its params match
    # zero-shot monitoring on the demo patches after each eval epoch (metrics/plots/train_zeroshot.csv);
    # null: off (the plot is written header only); a path that does not exist fails before training
    eval_patches: Optional[str] = "data/demo/eval/patches.csv"
    eval_classnames: str = "data/demo/eval/classnames.json"
    zeroshot_split: str = "val"


class EvaluateParams(Section):
    models: list[str] = ["trained", "untrained"]
    zeroshot_datasets: list[str] = ["demo_patches"]
    linear_probe_fractions: list[float] = [0.1, 1.0]
    linear_probe_seeds: list[int] = [0, 1, 2]
    retrieval_datasets: list[str] = ["demo_retrieval"]
    batch_size: int = Field(64, ge=1)
    # Where downloaded benchmarks live, per dataset name (default data/benchmarks/<name>).
    dataset_roots: dict[str, str] = {}
    # The folder holding every eval set the pipeline reads: evaluate's datasets, dataset.eval_sets
    # (the leakage check) and train.eval_patches; DVC's dependency for all of them. params_check
    # fails, naming the key, on one that is missing or outside it, before any stage starts.
    data_dir: str = "data/demo/eval"
    templates: str = "histopathology"  # src/quiltkit/evaluation/data/templates/<name>.json
    linear_probe_c_grid: list[float] = [0.01, 0.1, 1.0, 10.0, 100.0]
    # Cap on train/val images per class for the probe (None: all); bounds CPU cost on PCam & co.
    linear_probe_max_per_class: Optional[int] = Field(None, ge=1)
    verify_checksums: bool = False  # published md5s / image counts must match (md5 is slow on PCam)
    device: str = "cpu"
    threads: int = Field(2, ge=1)

    @field_validator("linear_probe_fractions")
    @classmethod
    def _fractions(cls, v: list[float]) -> list[float]:
        bad = [f for f in v if not 0 < f <= 1]
        if bad:
            raise ValueError(f"fractions must be in (0, 1], got {bad}")
        return v

    @field_validator("linear_probe_c_grid")
    @classmethod
    def _c_grid(cls, v: list[float]) -> list[float]:
        if not v or any(c <= 0 for c in v):
            raise ValueError("C grid must be a non-empty list of positive numbers")
        return v


class Params(Section):
    project: ProjectParams = ProjectParams()
    demo: DemoParams = DemoParams()
    holdout: HoldoutParams = HoldoutParams()
    download: DownloadParams = DownloadParams()
    asr: AsrParams = AsrParams()
    frames: FramesParams = FramesParams()
    text: TextParams = TextParams()
    pairs: PairsParams = PairsParams()
    release: ReleaseParams = ReleaseParams()
    dataset: DatasetParams = DatasetParams()
    train: TrainParams = TrainParams()
    evaluate: EvaluateParams = EvaluateParams()


def _format_error(err: ValidationError, path: Path) -> str:
    lines = [f"{path}: invalid parameters"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "<root>"
        value = e.get("input")
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = e["msg"].replace("Extra inputs are not permitted", "unknown key")
        lines.append(f"  {key}: {msg} (got {shown})")
    return "\n".join(lines)


def parse_params(data: object, path: Path | str = "params.yaml") -> Params:
    path = Path(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: top level must be a mapping of sections, got {type(data).__name__}")
    try:
        return Params.model_validate(data)
    except ValidationError as err:
        raise ParamsError(_format_error(err, path)) from None


def load_params(path: Path | str = "params.yaml") -> Params:
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path}: not found (run from the repository root)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ParamsError(f"{path}: not valid YAML: {err}") from None
    return parse_params(data, path)
