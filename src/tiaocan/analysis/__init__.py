"""Analysis: which hyperparameters matter, how sensitive a model is, where results are good.

>>> import tiaocan as tc
>>> from tiaocan import analysis
>>> s = tc.create_study(space=tc.Space(lr=tc.Float(1e-4, 1e-1, log=True), wd=tc.Float(0, 0.1)),
...                     storage=":memory:", seed=0)
>>> s.optimize(lambda t: abs(t.params["lr"] - 0.01) * 100 + t.params["wd"], n_trials=40)
>>> analysis.importance(s, n_trees=8).ranked()[0][0]
'lr'

The forest needs scikit-learn (``pip install "tiaocan[sklearn]"``), imported when used.
"""

from __future__ import annotations

from tiaocan.analysis.data import TrialArrays, trial_arrays
from tiaocan.analysis.fanova import Importance, decompose, decompose_forest, fanova, leaf_boxes
from tiaocan.analysis.importance import GoodRange, good_ranges, importance
from tiaocan.analysis.summary import format_summary, summary
from tiaocan.analysis.sweep import SweepResult, sweep, sweep_configs

__all__ = [
    "GoodRange",
    "Importance",
    "SweepResult",
    "TrialArrays",
    "decompose",
    "decompose_forest",
    "fanova",
    "format_summary",
    "good_ranges",
    "importance",
    "leaf_boxes",
    "summary",
    "sweep",
    "sweep_configs",
    "trial_arrays",
]
