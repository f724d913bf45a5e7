"""Running per-video work: a local process pool by default, Ray when params say so."""
from quiltkit.execution.runner import VideoTask, run_videos

__all__ = ["VideoTask", "run_videos"]
