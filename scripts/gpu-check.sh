#!/usr/bin/env bash
# GPU validation in one run, for a machine with an NVIDIA GPU, Python 3.12,
# CuPy, NumPy, ml_dtypes, pytest and the nvidia-curand wheel but no network
# (the lent H200 machines). Results go to $OUT (default ./gpu-results):
#   env.txt          nvidia-smi and `python -m tensorlite`
#   pytest-cuda.txt  every GPU test (`-m cuda`: kernels vs NumPy re-derivations and
#                    CUDA vs CPU, bit for bit where promised, two launch configurations)
#   pytest-all.txt   the whole suite with the device fixture on cpu and cuda
#   benchmarks.md    random fills vs PyTorch CUDA and CuPy, bandwidth vs a copy
#
# randomgen is the one dependency such a machine lacks: carry its wheel in .whl/
# (see the device README), e.g. on the dev machine:
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux2014_x86_64 -d .whl randomgen
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-results}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/tl-site .whl/*.whl
    export PYTHONPATH=/tmp/tl-site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
PLUGIN="-p tensorlite.testing.pytest_plugin"   # not pip-installed here: load the plugin by name

{ nvidia-smi; python3 -m tensorlite; } > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

status=0
python3 -m pytest -q -m cuda $PLUGIN tests 2>&1 | tee "$OUT/pytest-cuda.txt" || status=1
python3 -m pytest -q $PLUGIN --devices=cpu,cuda tests \
    --deselect tests/test_plugin.py --deselect tests/test_notebooks.py \
    2>&1 | tee "$OUT/pytest-all.txt" || status=1
python3 -m benchmarks --reps 5 --no-progress --out "$OUT" 2>&1 | tee "$OUT/benchmarks.txt" || status=1
exit $status
