"""Train stage: fine-tune/train QuiltNet on outputs/dataset; export to outputs/train/export."""

from quiltkit.config import load_params
from quiltkit.model.stage_run import run_train
from quiltkit.model.training import is_ddp_child, run_training
from quiltkit.stage import setup_logging, stage_context


def main() -> None:
    if is_ddp_child():
        # Ranks > 0 of a DDP run: same training, but the MLflow run, export and metrics belong to rank 0.
        setup_logging()
        params = load_params()
        run_training(params.train, params.project.seed, enable_progress_bar=False)
        return
    with stage_context("train") as ctx:
        ctx.finish(run_train(ctx.params.train, ctx.execution))


if __name__ == "__main__":
    main()
