"""The deterministic parallel mode: one seed gives the same study with 1, 4 or 16 workers.

In the free mode (the default) the proposal for trial k is drawn from the generator of
(seed, k) with every earlier trial in its history, running ones as pending. Workers never
repeat a draw, but which trials had finished when k was proposed depends on timing, so two
parallel runs differ. In the deterministic mode (``create_study(..., deterministic=True)``)
trial k is proposed only once every trial below k − window has finished, and its sampler
sees exactly those trials. Its configuration is then a function of the seed and of those
trials' results alone, whatever the number of workers, the executor (processes, Dask,
simulated), the order in which results arrive, or a Ctrl-C and resume in between (an
interrupted trial goes back to the queue under its own number).

The window is stored with the study (16 by default). The price:

- model-based samplers learn from results ``window`` trials later than they could (even
  with one worker);
- a worker waits when the trials below k − window are unfinished: with more workers than
  the window, or trials of unequal length, utilisation drops. Measured on the simulated
  clock (``python -m benchmarks.parallel``, 32 workers, random search): with 1 s trials,
  100 % for a window of 32 (as the free mode) and 53 % for the default 16; with durations
  uniform in 0.5–1.5 s, 78 % for a window of 32 and 41 % for 16, against 100 % in the
  free mode. Set the window to at least the number of workers you run.

What it does not make deterministic: asynchronous schedulers' decisions (stopping,
promotion), which depend on the order results arrive, and a trial that fails because its
worker died (its retry is a new trial).

>>> import tiaocan as tc
>>> from tiaocan.executors.simulated import SimulatedExecutor
>>> def run(n_workers):
...     study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:",
...                             sampler="tpe", seed=3, deterministic=4)
...     def objective(trial):
...         trial.sleep(1 + 3 * trial.params["x"])  # unequal durations
...         return trial.params["x"]
...     study.optimize(objective, n_trials=20, n_workers=n_workers, executor=SimulatedExecutor())
...     return [t.params for t in study.trials]
>>> run(1) == run(4)
True
"""

from __future__ import annotations

from typing import Any

from tiaocan.errors import ConfigError

__all__ = ["DEFAULT_WINDOW", "window_of"]

DEFAULT_WINDOW = 16


def window_of(deterministic: Any) -> int | None:
    """The window of ``create_study(deterministic=...)``: None (free mode) or trials ≥ 1."""
    if deterministic is False or deterministic is None:
        return None
    if deterministic is True:
        return DEFAULT_WINDOW
    if isinstance(deterministic, int) and deterministic >= 1:
        return int(deterministic)
    raise ConfigError(f"deterministic must be True, False or a window of trials (an int >= 1), "
                      f"received {deterministic!r}")
