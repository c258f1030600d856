#!/usr/bin/env bash
# Brief DARTS and SPOS runs with device="cuda" on 8×8 digits; prints what each found.
# Usage (on a machine with a GPU): bash benchmarks/nas/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
"$PY" - <<'PY'
import time

import torch

import tiaocan as tc
from tiaocan.nas.darts import darts_search
from tiaocan.nas.supernet import Supernet, oneshot_search

print("torch", torch.__version__, "cuda available:", torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
space = tc.nas.cell_space(4, ["none", "skip_connect", "conv_3x3"])
for order in (1, 2):
    start = time.perf_counter()
    trial = darts_search(space, order=order, epochs=5, seed=0, device="cuda")
    print(f"DARTS order {order}: {trial.user_attrs['genotype']} free ops "
          f"{trial.user_attrs['parameter_free_ops']} valid {trial.value:.3f} "
          f"({time.perf_counter() - start:.1f} s)")
start = time.perf_counter()
net = Supernet(space, device="cuda")
net.train(epochs=3, seed=0)
result = oneshot_search(space, n_trials=20, top_k=2, retrain_epochs=2, seed=0, device="cuda",
                        supernet=net)
best = result.retrain.best_trial
print(f"SPOS: parameters on {next(net.net.parameters()).device}; best retrained "
      f"{tc.nas.genotype(best.params)} valid {best.value:.3f} ({time.perf_counter() - start:.1f} s)")
PY
