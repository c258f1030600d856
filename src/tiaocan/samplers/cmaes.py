"""CMA-ES with IPOP restarts, through the optional ``cmaes`` package.

References:
    Hansen (2016). The CMA Evolution Strategy: A Tutorial. arXiv:1604.00772.
    Auger & Hansen (2005). A Restart CMA Evolution Strategy With Increasing Population Size
    (IPOP-CMA-ES). CEC.
    Hamano, Saito, Nomura, Shirakawa (2022). CMA-ES with Margin: Lower-Bounding Marginal
    Probability for Mixed-Integer Black-Box Optimization. GECCO (CMAwM, for integers).

The strategy runs in the unit cube on the parameters that are always active and numerical;
integers and stepped floats use CMA-ES with margin, so they never get stuck on one value.
Categorical and conditional parameters come from a univariate TPE (the fallback), recorded in
the proposal's info. State is never kept between calls: each proposal replays the generations
recorded in the history (each trial stores its restart, generation and CMA-ES vector), so
resumed studies and other workers continue the same search.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tiaocan.errors import ConfigError, require
from tiaocan.samplers.base import History, Proposal
from tiaocan.samplers.tpe import TPESampler
from tiaocan.space import Categorical, Float, Int, Space
from tiaocan.trial import FrozenTrial

__all__ = ["CMAESSampler"]


class CMAESSampler:
    """CMA-ES (IPOP restarts, CMAwM for integers); categorical parameters by a fallback TPE.

    Args:
        sigma0: initial step size in the unit cube.
        popsize: population of the first run (default 4 + 3 ln d).
        inc_popsize: population growth factor at each restart (IPOP).
        warm_start: start the mean at the best earlier trial not proposed by CMA-ES
            (e.g. when ``"auto"`` switches to CMA-ES after a model-based phase).

    >>> import tiaocan as tc
    >>> space = tc.Space(x=tc.Float(-3, 3), y=tc.Float(-3, 3))
    >>> study = tc.create_study(space=space, sampler=CMAESSampler(), seed=0)
    >>> study.optimize(lambda t: t.params["x"] ** 2 + t.params["y"] ** 2, n_trials=60,
    ...                show_progress=False)
    >>> study.best_trial.value < 0.1
    True
    """

    def __init__(self, sigma0: float = 0.25, popsize: int | None = None, inc_popsize: int = 2,
                 warm_start: bool = True) -> None:
        if not 0.0 < sigma0 <= 1.0:
            raise ConfigError(f"sigma0 must be in (0, 1], received {sigma0!r}")
        # Below 4, the rank-mu learning rate c_mu is 0 (mu_eff = 1; Hansen 2016, eq. 57) and
        # the library divides by it.
        if popsize is not None and (isinstance(popsize, bool) or not isinstance(popsize, int)
                                    or popsize < 4):
            raise ConfigError(f"popsize must be None or an int >= 4, received {popsize!r}")
        if not isinstance(inc_popsize, int) or inc_popsize < 1:
            raise ConfigError(f"inc_popsize must be an int >= 1, received {inc_popsize!r}")
        self.sigma0 = sigma0
        self.popsize = popsize
        self.inc_popsize = inc_popsize
        self.warm_start = warm_start
        self._fallback = TPESampler(multivariate=False)

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        names = [n for n, p in space.items() if not isinstance(p, Categorical) and not p.when]
        fallback = [n for n in space.names if n not in names]
        base = self._fallback.sample(space, history, rng) if fallback or len(names) < 2 else None
        if base is not None and len(names) < 2:  # CMA-ES needs two dimensions; the fallback takes the whole space
            return Proposal(base.params, info={"sampler": "cmaes", "fallback": "tpe (fewer than "
                                               "two unconditional numerical parameters)"})
        restart, gen, opt = self._replay(space, names, history)
        opt.reseed_rng(int(rng.integers(2**31)))
        x_eval, x_tell = _ask(opt)
        unit = space.encode(base.params) if base is not None else np.full(len(space), np.nan)
        unit[[space.names.index(n) for n in names]] = x_eval
        missing = np.isnan(unit)  # children the fallback left inactive may now be active
        unit[missing] = rng.random(int(missing.sum()))
        info: dict[str, Any] = {"sampler": "cmaes",
                                "cma": {"restart": restart, "gen": gen, "x": [float(v) for v in x_tell]}}
        if fallback:
            info["fallback"] = {"sampler": "tpe", "params": fallback}
        return Proposal(space.decode(unit), info=info)

    def _replay(self, space: Space, names: list[str], history: History) -> tuple[int, int, Any]:
        """Tell every complete generation in the history, in order; restart when CMA-ES stops."""
        buckets: dict[tuple[int, int], list[tuple[np.ndarray, float]]] = {}
        losses = history.losses(history.complete)[:, 0] if history.complete else np.empty(0)
        first_tagged = None
        for t, loss in zip(history.complete, losses):
            tag = _tag(t)
            if tag is None or len(tag.get("x", ())) != len(names):
                continue
            first_tagged = t.number if first_tagged is None else first_tagged
            buckets.setdefault((int(tag["restart"]), int(tag["gen"])), []).append(
                (np.asarray(tag["x"], float), float(loss)))
        mean0 = self._warm_mean(space, names, history, losses, first_tagged)
        restart, gen = 0, 0
        opt = self._make(space, names, restart, mean0, history.study_seed)
        while len(buckets.get((restart, gen), ())) >= opt.population_size:
            opt.tell(buckets[(restart, gen)][: opt.population_size])
            gen += 1
            if opt.should_stop():
                restart, gen = restart + 1, 0
                opt = self._make(space, names, restart, None, history.study_seed)
        return restart, gen, opt

    def _warm_mean(self, space: Space, names: list[str], history: History, losses: np.ndarray,
                   first_tagged: int | None) -> np.ndarray | None:
        if not self.warm_start:
            return None
        earlier = [(loss, t) for t, loss in zip(history.complete, losses)
                   if _tag(t) is None and (first_tagged is None or t.number < first_tagged)]
        if not earlier:
            return None
        best = min(earlier, key=lambda item: item[0])[1]
        u = space.encode(best.params)
        return np.array([u[space.names.index(n)] for n in names])

    def _make(self, space: Space, names: list[str], restart: int, mean: np.ndarray | None,
              study_seed: int) -> Any:
        cmaes: Any = require("cmaes", "cmaes", "the CMA-ES sampler")
        bounds, steps = _bounds_steps(space, names)
        if mean is None:  # IPOP: each restart from its own point, fixed by the study seed
            r = np.random.default_rng([study_seed, 7, restart])
            mean = r.uniform(0.25, 0.75, len(names)) if restart else np.full(len(names), 0.5)
        mean = np.clip(mean, bounds[:, 0], bounds[:, 1])
        base = self.popsize or 4 + int(3 * np.log(len(names)))
        popsize = base * self.inc_popsize ** restart
        if (steps > 0).any():
            return cmaes.CMAwM(mean=mean, sigma=self.sigma0, bounds=bounds, steps=steps,
                               seed=0, population_size=popsize)
        return cmaes.CMA(mean=mean, sigma=self.sigma0, bounds=bounds, seed=0,
                         population_size=popsize)


def _ask(opt: Any) -> tuple[np.ndarray, np.ndarray]:
    out = opt.ask()
    return (out[0], out[1]) if isinstance(out, tuple) else (out, out)


def _tag(t: FrozenTrial) -> dict[str, Any] | None:
    info = t.system_attrs.get("sampler")
    tag = info.get("cma") if isinstance(info, dict) else None
    return tag if isinstance(tag, dict) else None


def _bounds_steps(space: Space, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Unit-cube bounds; evenly spaced discrete parameters get CMAwM steps at cell centres."""
    bounds = np.tile([0.0, 1.0], (len(names), 1))
    steps = np.zeros(len(names))
    for i, n in enumerate(names):
        p = space[n]
        cells = 0
        if isinstance(p, Int) and not p.log:
            cells = p._n_values
        elif isinstance(p, Float) and p.step is not None:
            cells = p._n_steps
        if 2 <= cells <= 1000:
            bounds[i] = [0.5 / cells, 1.0 - 0.5 / cells]
            steps[i] = 1.0 / cells
    return bounds, steps
