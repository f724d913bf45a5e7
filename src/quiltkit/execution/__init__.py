"""Running per-video work: a local process pool by default, Ray when params say so.

    context.py   Execution: where the work runs (params.project), one value a driver takes whole
    tasks.py     VideoTask and TaskResult; which finished outputs to redo
    runner.py    run_videos: skip what is done, run the rest, one result per video
    ray_backend  the same on a Ray cluster
Nothing is imported here, so a module that needs only Execution does not load the runner.
"""
