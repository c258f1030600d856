"""Optimizers behind one signature: ``run(problem, budget, seed) -> list of values in order``.

tiaocan's samplers and the peers' (Optuna, Hyperopt, SMAC3, scikit-optimize, Nevergrad, HEBO) see
the same problem through the same translation of its space. Peers without conditional
parameters sample every parameter and the objective ignores inactive ones (``coerce``).
Peers are imported lazily: a missing one is reported and skipped, never a failure.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import tiaocan as tc
from benchmarks.problems import Problem, coerce

__all__ = ["OPTIMIZERS", "available"]

Runner = Callable[[Problem, int, int], list[float]]


def _tiaocan(sampler: str) -> Runner:
    def run(problem: Problem, budget: int, seed: int) -> list[float]:
        # The problems stand in for expensive objectives, but evaluate in microseconds: auto's
        # cost rule would rightly move to random search. Quality is measured without it; the
        # cost rule on a real 10 ms objective in benchmarks/samplers/auto_cost.py.
        chosen = tc.samplers.AutoSampler(max_cost_fraction=None) if sampler == "auto" else sampler
        study = tc.create_study(space=problem.space, storage=":memory:", sampler=chosen, seed=seed)
        study.optimize(lambda t: problem(t.params), n_trials=budget, show_progress=False)
        return [float(t.value) for t in study.trials if t.value is not None]
    return run


def _optuna_suggest(trial: Any, space: tc.Space) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    while True:  # define-by-run, parents before children
        fresh = [n for n in space.names if n not in cfg and space.is_active(n, cfg)]
        if not fresh:
            return cfg
        for n in fresh:
            p = space[n]
            if isinstance(p, tc.Categorical):
                cfg[n] = trial.suggest_categorical(n, list(p.choices))
            elif isinstance(p, tc.Int):
                cfg[n] = trial.suggest_int(n, p.low, p.high, step=p.step, log=p.log)
            else:
                cfg[n] = trial.suggest_float(n, p.low, p.high, step=p.step, log=p.log)


def _optuna(kind: str) -> Runner:
    def run(problem: Problem, budget: int, seed: int) -> list[float]:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        samplers = {"tpe": lambda: optuna.samplers.TPESampler(seed=seed),
                    "gp": lambda: optuna.samplers.GPSampler(seed=seed),
                    "cmaes": lambda: optuna.samplers.CmaEsSampler(seed=seed),
                    "random": lambda: optuna.samplers.RandomSampler(seed=seed)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study = optuna.create_study(sampler=samplers[kind]())
            study.optimize(lambda t: problem(_optuna_suggest(t, problem.space)), n_trials=budget)
        return [float(t.value) for t in study.trials]
    return run


def _hyperopt(problem: Problem, budget: int, seed: int) -> list[float]:
    from hyperopt import Trials, fmin, hp, tpe

    space: dict[str, Any] = {}
    for n, p in problem.space.items():
        if isinstance(p, tc.Categorical):
            space[n] = hp.choice(n, list(p.choices))
        elif p.log:
            lo, hi = (p.low - 0.5, p.high + 0.5) if isinstance(p, tc.Int) else (p.low, p.high)
            space[n] = (hp.qloguniform(n, math.log(lo), math.log(hi), 1) if isinstance(p, tc.Int)
                        else hp.loguniform(n, math.log(lo), math.log(hi)))
        elif isinstance(p, tc.Int) or p.step is not None:
            step = p.step
            space[n] = hp.quniform(n, p.low - step / 2, p.high + step / 2, step)
        else:
            space[n] = hp.uniform(n, p.low, p.high)
    values: list[float] = []

    def objective(raw: dict[str, Any]) -> float:
        values.append(problem(coerce(problem.space, raw)))
        return values[-1]

    fmin(objective, space, algo=tpe.suggest, max_evals=budget, trials=Trials(),
         rstate=np.random.default_rng(seed), show_progressbar=False)
    return values


def _configspace(space: tc.Space, seed: int) -> Any:
    from ConfigSpace import (
        AndConjunction,
        Categorical,
        ConfigurationSpace,
        Float,
        InCondition,
        Integer,
    )

    cs = ConfigurationSpace(seed=seed)
    hps = {}
    for n, p in space.items():
        if isinstance(p, tc.Categorical):
            hps[n] = Categorical(n, [str(c) for c in p.choices])
        elif isinstance(p, tc.Int):
            hps[n] = Integer(n, (p.low, p.high), log=p.log)
        else:
            hps[n] = Float(n, (p.low, p.high), log=p.log)
    cs.add(list(hps.values()))
    for n, p in space.items():  # conditions on categorical parents; others are flattened
        conds = [InCondition(hps[n], hps[parent], [str(v) for v in allowed])
                 for parent, allowed in p.when if isinstance(space[parent], tc.Categorical)]
        if conds:
            cs.add(conds[0] if len(conds) == 1 else AndConjunction(*conds))
    return cs


def _smac(facade: str) -> Runner:
    def run(problem: Problem, budget: int, seed: int) -> list[float]:
        from smac import BlackBoxFacade, HyperparameterOptimizationFacade, Scenario
        from smac.runhistory.dataclasses import TrialValue

        space = problem.space
        cls = HyperparameterOptimizationFacade if facade == "hpo" else BlackBoxFacade
        values = []
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scenario = Scenario(_configspace(space, seed), deterministic=True, n_trials=budget,
                                seed=seed, output_directory=tmp)
            smac = cls(scenario, lambda config, seed=0: 0.0, overwrite=True, logging_level=40)
            for _ in range(budget):
                info = smac.ask()
                raw = {}
                for n, v in dict(info.config).items():
                    p = space[n]
                    raw[n] = next(c for c in p.choices if str(c) == v) if isinstance(p, tc.Categorical) else v
                for n in space.names:  # inactive in ConfigSpace: any value, ignored by coerce
                    raw.setdefault(n, space[n].from_unit(0.5))
                values.append(problem(coerce(space, raw)))
                smac.tell(info, TrialValue(cost=values[-1]))
        return values
    return run


def _from_labels(problem: Problem, values: dict[str, Any]) -> dict[str, Any]:
    """A configuration from a peer that sees categories as their index labels ("0", "1", …)."""
    cfg = {n: problem.space[n].choices[int(v)] if isinstance(problem.space[n], tc.Categorical) else v
           for n, v in values.items()}
    return coerce(problem.space, cfg)


def _skopt(problem: Problem, budget: int, seed: int) -> list[float]:
    from skopt import gp_minimize
    from skopt.space import Categorical, Integer, Real

    names = list(problem.space.names)
    dims = []
    for n in names:
        p = problem.space[n]
        if isinstance(p, tc.Categorical):  # labels: skopt rejects bool categories
            dims.append(Categorical([str(i) for i in range(len(p.choices))], name=n))
        elif isinstance(p, tc.Int):
            dims.append(Integer(p.low, p.high, prior="log-uniform" if p.log else "uniform", name=n))
        else:
            dims.append(Real(p.low, p.high, prior="log-uniform" if p.log else "uniform", name=n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        def objective(v: list[Any]) -> float:
            return problem(_from_labels(problem, dict(zip(names, v))))

        res = gp_minimize(objective, dims, n_calls=budget, random_state=seed,
                          n_initial_points=min(10, budget))
    return [float(v) for v in res.func_vals]


def _nevergrad(problem: Problem, budget: int, seed: int) -> list[float]:
    import nevergrad as ng

    params = {}
    for n, p in problem.space.items():
        if isinstance(p, tc.Categorical):
            params[n] = ng.p.Choice(list(p.choices))
        else:
            scalar = (ng.p.Log(lower=p.low, upper=p.high) if p.log
                      else ng.p.Scalar(lower=p.low, upper=p.high))
            params[n] = scalar.set_integer_casting() if isinstance(p, tc.Int) else scalar
    param = ng.p.Dict(**params)
    param.random_state = np.random.RandomState(seed)
    values = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = ng.optimizers.NGOpt(parametrization=param, budget=budget, num_workers=1)
        for _ in range(budget):
            cand = opt.ask()
            values.append(problem(coerce(problem.space, cand.value)))
            opt.tell(cand, values[-1])
    return values


def _hebo(problem: Problem, budget: int, seed: int) -> list[float]:
    """HEBO (Cowen-Rivers et al. 2022, the NeurIPS 2020 BBO challenge winner), its defaults.

    HEBO pins numpy below 1.25, so it lives in a virtual environment of its own (see
    benchmarks/requirements.txt); categories are passed as index labels.
    """
    from hebo.design_space.design_space import DesignSpace
    from hebo.optimizers.hebo import HEBO

    names = list(problem.space.names)
    spec = []
    for n in names:
        p = problem.space[n]
        if isinstance(p, tc.Categorical):
            spec.append({"name": n, "type": "cat", "categories": [str(i) for i in range(len(p.choices))]})
        elif isinstance(p, tc.Int):
            spec.append({"name": n, "type": "pow_int" if p.log else "int", "lb": p.low, "ub": p.high})
        elif p.log:
            spec.append({"name": n, "type": "pow", "lb": p.low, "ub": p.high, "base": 10})
        else:
            spec.append({"name": n, "type": "num", "lb": p.low, "ub": p.high})
    np.random.seed(seed)  # HEBO draws its start-up and acquisition candidates from numpy/torch
    import torch

    torch.manual_seed(seed)
    opt = HEBO(DesignSpace().parse(spec), scramble_seed=seed)
    values: list[float] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while len(values) < budget:
            rec = opt.suggest(n_suggestions=1)
            values.append(problem(_from_labels(problem, rec.iloc[0].to_dict())))
            opt.observe(rec, np.array([[values[-1]]]))
    return values


#: Name → runner. tiaocan's first, then the peers.
OPTIMIZERS: dict[str, Runner] = {
    "tiaocan_auto": _tiaocan("auto"),
    "tiaocan_tpe": _tiaocan("tpe"),
    "tiaocan_gp": _tiaocan("gp"),
    "tiaocan_cmaes": _tiaocan("cmaes"),
    "tiaocan_evolution": _tiaocan("evolution"),
    "tiaocan_random": _tiaocan("random"),
    "optuna_tpe": _optuna("tpe"),
    "optuna_gp": _optuna("gp"),
    "optuna_cmaes": _optuna("cmaes"),
    "optuna_random": _optuna("random"),
    "hyperopt_tpe": _hyperopt,
    "smac_hpo": _smac("hpo"),
    "smac_bb": _smac("bb"),
    "skopt_gp": _skopt,
    "nevergrad_ngopt": _nevergrad,
    "hebo": _hebo,
}

_PACKAGES = {"optuna": "optuna", "hyperopt": "hyperopt", "smac": "smac", "skopt": "skopt",
             "nevergrad": "nevergrad", "hebo": "hebo"}


def available(name: str) -> bool:
    """Whether the peer's package is installed (tiaocan's always are)."""
    import importlib.util

    prefix = name.split("_")[0]
    return prefix == "tiaocan" or importlib.util.find_spec(_PACKAGES[prefix]) is not None
