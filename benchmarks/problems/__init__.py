"""Benchmark problems, shared by the sampler and multi-fidelity harnesses.

>>> from benchmarks.problems import get_problem
>>> p = get_problem("branin2")
>>> round(p(p.optimum_x) - p.optimum, 6)
0.0
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.problems.base import Problem, coerce, shifted_box
from benchmarks.problems.discrete import DISCRETE
from benchmarks.problems.mixed import mixed
from benchmarks.problems.ml import mlp_mnist1d, svm_digits
from benchmarks.problems.models import MODELS
from benchmarks.problems.synthetic import (
    ackley,
    branin,
    hartmann,
    levy,
    rosenbrock,
    styblinski_tang,
)
from benchmarks.problems.tabular import TABULAR
from benchmarks.problems.transformed import TRANSFORMED

__all__ = ["BROAD", "HELD_OUT", "PROBLEMS", "REDUCED", "SUITE", "Problem", "coerce", "get_problem", "shifted_box"]

PROBLEMS: dict[str, Callable[[], Problem]] = {
    "branin2": branin,
    "hartmann3": lambda: hartmann(3),
    "hartmann6": lambda: hartmann(6),
    "rosenbrock5": lambda: rosenbrock(5),
    "ackley10": lambda: ackley(10),
    "levy6": lambda: levy(6),
    "styblinski_tang4": lambda: styblinski_tang(4),
    "levy20": lambda: levy(20),
    "mixed": mixed,
    "svm_digits": svm_digits,
    "mlp_mnist1d": mlp_mnist1d,
}
_CLASSIC = list(PROBLEMS)
PROBLEMS.update({**TRANSFORMED, **DISCRETE, **TABULAR, **MODELS})

#: The classic suite (the default of ``python -m benchmarks.samplers``).
SUITE = _CLASSIC
#: The broad suite (``--suite broad``): the classic one plus shifted/rotated, ill-conditioned,
#: integer, ordinal, nominal, conditional, noisy, tabular and real-model problems.
BROAD = list(PROBLEMS)
#: A third of the broad suite, one of every three problems of each kind, never looked at
#: when ``auto``'s rules were set; reported apart ("problems never shown").
HELD_OUT = ["hartmann3", "levy20", "svm_digits", "goldstein2", "ackley10_rot", "griewank8",
            "nominal10", "conditional", "branin2_noisy", "hpobench_credit_g",
            "hpolib_parkinsons_telemonitoring", "rf_wine"]
#: A representative subset for a small machine.
REDUCED = ["branin2", "hartmann6", "rosenbrock5", "ackley10", "levy6", "styblinski_tang4", "mixed",
           "svm_digits"]


def get_problem(name: str) -> Problem:
    if name not in PROBLEMS:
        raise ValueError(f"problem must be one of {sorted(PROBLEMS)}, received {name!r}")
    return PROBLEMS[name]()
