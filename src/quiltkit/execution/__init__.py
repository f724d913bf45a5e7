"""Running per-video work: a local process pool by default, Ray when params say so."""

from quiltkit.execution.runner import run_videos
from quiltkit.execution.tasks import VideoTask

__all__ = ["VideoTask", "run_videos"]
