"""An RL controller: REINFORCE on a factorized categorical policy over the space's choices.

References:
    Williams (1992). Simple statistical gradient-following algorithms for connectionist
    reinforcement learning. Machine Learning 8 (REINFORCE).
    Zoph & Le (2017). Neural Architecture Search with Reinforcement Learning. ICLR
    (a controller trained by policy gradient with a moving-average baseline).
    Dong & Yang (2020). NAS-Bench-201. ICLR (the REINFORCE baseline: a factorized policy,
    one softmax per edge, baseline momentum 0.9).

Policy: one vector of logits θ_p per parameter p; a categorical picks a choice, a number
picks one of ``bins`` equal cells of its unit interval (then a uniform point inside it).
Conditional parameters are drawn only when active, and only what was drawn is updated.
After each complete trial with reward r (minus its loss; several objectives: minus the
weighted sum of losses, ``weights``), with baseline b and scale s:

    b ← m·b + (1 − m)·r                         (moving average, m = ``baseline_momentum``)
    θ_p ← θ_p + lr · (r − b)/s · (onehot(a_p) − softmax(θ_p))    (∇ log π(a), eq. of Williams)

``s`` is a running mean of |r − b|, so ``lr`` does not depend on the objective's scale. The
policy is replayed from the complete trials in trial-number order on every proposal (cached
while the history only grows), so a resumed study or another worker continues with the
same policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tiaocan.constraints import history_losses
from tiaocan.errors import ConfigError, check_int
from tiaocan.samplers._unique import config_key, fresh
from tiaocan.samplers.base import History, Proposal
from tiaocan.space import Categorical, Space

__all__ = ["ReinforceSampler"]


class ReinforceSampler:
    """REINFORCE with a moving-average baseline (see the module docstring).

    Args:
        lr: step size of the policy gradient (on normalised advantages). 0.2: on
            NAS-Bench-201 (30 seeds, 300 queries) 0.5 and 1.0 made the policy deterministic
            before it had found the best region (regret stuck at 0.1-0.14 points), 0.2 did not.
        baseline_momentum: m of the moving-average baseline (NAS-Bench-201: 0.9).
        bins: cells of the unit interval for a numerical parameter.
        weights: one weight per objective for the reward of a multi-objective study
            (default: equal weights on the losses; scale the objectives or the weights so the
            terms are comparable).
        unique: never propose a configuration the study has tried (also across workers).

    >>> import tiaocan as tc
    >>> space = tc.Space(a=tc.Categorical(["x", "y", "z"]), b=tc.Categorical(["x", "y"]))
    >>> study = tc.create_study(space=space, sampler=ReinforceSampler(), seed=0, storage=":memory:")
    >>> study.optimize(lambda t: (t.params["a"] != "z") + (t.params["b"] != "y"), n_trials=6,
    ...                show_progress=False)
    >>> study.best_params
    {'a': 'z', 'b': 'y'}
    """

    def __init__(self, lr: float = 0.2, baseline_momentum: float = 0.9, bins: int = 8,
                 weights: Sequence[float] | None = None, unique: bool = True) -> None:
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr <= 100:
            raise ConfigError(f"lr must be a number in (0, 100], received {lr!r}")
        if isinstance(baseline_momentum, bool) or not isinstance(baseline_momentum, (int, float)) \
                or not 0 <= baseline_momentum < 1:
            raise ConfigError(f"baseline_momentum must be in [0, 1), received {baseline_momentum!r}")
        check_int("bins", bins, 2)
        if weights is not None:
            if isinstance(weights, (str, bytes)) or not all(
                    isinstance(w, (int, float)) and not isinstance(w, bool) and w >= 0 for w in weights) \
                    or not any(w > 0 for w in weights):
                raise ConfigError(f"weights must be a list of non-negative numbers, one per "
                                  f"objective, not all 0; received {weights!r}")
            weights = [float(w) for w in weights]
        self.lr = float(lr)
        self.baseline_momentum = float(baseline_momentum)
        self.bins = bins
        self.weights = weights
        self.unique = bool(unique)
        self._cache: tuple[Any, tuple[int, ...], _Policy] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_cache": None}

    def sample(self, space: Space, history: History, rng: np.random.Generator) -> Proposal:
        policy = self.policy(space, history)
        params = (fresh(space, history, rng, lambda: policy.draw(space, rng)) if self.unique
                  else policy.draw(space, rng))
        return Proposal(params, key=config_key(params) if self.unique else None,
                        info={"sampler": "reinforce", "updates": policy.updates,
                              "baseline": policy.baseline})

    def policy(self, space: Space, history: History) -> _Policy:
        """The policy after the complete trials of ``history`` (replayed in number order)."""
        trials = sorted(history.complete, key=lambda t: t.number)
        numbers = tuple(t.number for t in trials)
        key = repr(space.to_json())
        cached = self._cache
        if cached is not None and cached[0] == key and numbers[:len(cached[1])] == cached[1]:
            policy, done = cached[2], len(cached[1])
        else:
            policy, done = _Policy(space, self.bins), 0
        if len(trials) > done:
            rewards = self._rewards(history, trials)
            for trial, reward in zip(trials[done:], rewards[done:]):
                policy.update(space, trial.params, float(reward), self.lr, self.baseline_momentum)
        self._cache = (key, numbers, policy)
        return policy

    def _rewards(self, history: History, trials: list[Any]) -> np.ndarray:
        losses = history_losses(history, trials)  # infeasible trials: the lowest rewards
        if losses.shape[1] == 1:
            return -losses[:, 0]
        weights = np.asarray(self.weights if self.weights is not None else [1.0] * losses.shape[1])
        if len(weights) != losses.shape[1]:
            raise ConfigError(f"weights has {len(weights)} entries; the study has "
                              f"{losses.shape[1]} objectives")
        return -(losses @ weights)


class _Policy:
    """Logits per parameter, the baseline and the advantage scale (numpy only)."""

    def __init__(self, space: Space, bins: int) -> None:
        self.bins = bins
        self.logits = {name: np.zeros(len(p.choices) if isinstance(p, Categorical) else bins)
                       for name, p in space.items()}
        self.baseline: float | None = None
        self.scale = 0.0
        self.updates = 0

    def probabilities(self, name: str) -> np.ndarray:
        z = self.logits[name] - self.logits[name].max()
        e = np.exp(z)
        return np.asarray(e / e.sum())

    def draw(self, space: Space, rng: np.random.Generator) -> dict[str, Any]:
        unit = np.full(len(space), np.nan)
        config: dict[str, Any] = {}
        for name in space.names:  # decode() keeps only the active ones
            k = int(rng.choice(len(self.logits[name]), p=self.probabilities(name)))
            unit[space.names.index(name)] = (k + rng.random()) / len(self.logits[name])
        config = space.decode(unit)
        return config

    def action(self, space: Space, name: str, value: Any) -> int:
        u = space[name].to_unit(value)
        return min(int(u * len(self.logits[name])), len(self.logits[name]) - 1)

    def update(self, space: Space, params: dict[str, Any], reward: float, lr: float,
               momentum: float) -> None:
        if self.baseline is None:
            self.baseline = reward  # the first reward: no advantage, nothing learnt
        advantage = reward - self.baseline
        self.scale = abs(advantage) if self.updates <= 1 else 0.9 * self.scale + 0.1 * abs(advantage)
        step = lr * advantage / self.scale if self.scale > 0 else 0.0
        for name, value in params.items():
            if name not in self.logits:
                continue
            grad = -self.probabilities(name)
            grad[self.action(space, name, value)] += 1.0  # ∇θ log softmax(θ)[a]
            self.logits[name] = self.logits[name] + step * grad
        self.baseline = momentum * self.baseline + (1 - momentum) * reward
        self.updates += 1
