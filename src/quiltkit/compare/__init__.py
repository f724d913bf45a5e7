"""Two versions of the dataset side by side (`python -m quiltkit.compare REV_A REV_B`): report.py
reads and compares them, __main__.py is the command. No pipeline stage runs this package."""
