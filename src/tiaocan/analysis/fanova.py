"""Hyperparameter importance by functional ANOVA over a random-forest surrogate.

Reference: F. Hutter, H. Hoos, K. Leyton-Brown, "An Efficient Approach for Assessing
Hyperparameter Importance", ICML 2014.

A regression tree cuts the (normalised) domain into axis-aligned leaf boxes with constant
predictions, so the marginal of a subset ``U`` of parameters is exact (Hutter et al., eq. 3):
``a_U(x_U) = Σ_leaves v_l · 1[x_U ∈ box_l|U] · Π_{k∉U} |box_l,k| / |Θ_k|``. Every split
threshold along a dimension cuts it into cells on which ``a_U`` is constant, so its variance
``Var(a_U)`` is a finite weighted sum. The fraction of variance of ``U`` is
``V_U = Var(a_U) − Σ_{W⊊U} V_W`` over ``V = Var(f)`` (eq. 5–6), computed per tree and averaged
over the forest (as in the paper, section 4).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tiaocan.errors import ConfigError, require

__all__ = ["Importance", "LeafBoxes", "decompose", "fanova", "leaf_boxes"]


@dataclass(frozen=True)
class LeafBoxes:
    """The leaves of one tree: boxes ``[lower, upper)`` (L, d) and their predictions (L,)."""

    lower: np.ndarray
    upper: np.ndarray
    values: np.ndarray
    bounds: np.ndarray  # (d, 2): the domain

    @property
    def widths(self) -> np.ndarray:
        """Each box's extent as a fraction of the domain, per dimension (L, d)."""
        span = self.bounds[:, 1] - self.bounds[:, 0]
        return np.asarray((self.upper - self.lower) / span)


@dataclass(frozen=True)
class Importance:
    """Variance fractions: ``main[name]`` (mean over trees), ``std[name]``, ``pairs[(a, b)]``."""

    names: tuple[str, ...]
    main: dict[str, float]
    std: dict[str, float]
    pairs: dict[tuple[str, str], float] = field(default_factory=dict)
    n_trials: int = 0

    def ranked(self) -> list[tuple[str, float]]:
        """``(name, fraction)`` from the most to the least important."""
        return sorted(self.main.items(), key=lambda kv: -kv[1])


def leaf_boxes(tree: Any, bounds: np.ndarray) -> LeafBoxes:
    """The leaf boxes of a fitted sklearn tree (``estimator.tree_``) over ``bounds``.

    sklearn sends ``x[f] <= threshold`` left, so the left child's upper bound and the right
    child's lower bound are the threshold (the boundary itself has measure zero).
    """
    d = bounds.shape[0]
    lowers, uppers, values = [], [], []
    stack = [(0, bounds[:, 0].astype(float).copy(), bounds[:, 1].astype(float).copy())]
    while stack:
        node, lo, hi = stack.pop()
        left, right = tree.children_left[node], tree.children_right[node]
        if left == right:  # both -1: a leaf
            lowers.append(lo)
            uppers.append(hi)
            values.append(float(tree.value[node].ravel()[0]))
            continue
        f, t = int(tree.feature[node]), float(tree.threshold[node])
        t = min(max(t, lo[f]), hi[f])
        left_hi, right_lo = hi.copy(), lo.copy()
        left_hi[f], right_lo[f] = t, t
        stack.append((left, lo, left_hi))
        stack.append((right, right_lo, hi))
    return LeafBoxes(np.array(lowers).reshape(-1, d), np.array(uppers).reshape(-1, d),
                     np.array(values), np.asarray(bounds, dtype=float))


def _cells(boxes: LeafBoxes, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells along ``dim`` between consecutive cut points: midpoints, mass, inside (C, L)."""
    cuts = np.unique(np.concatenate([boxes.lower[:, dim], boxes.upper[:, dim], boxes.bounds[dim]]))
    mids = (cuts[:-1] + cuts[1:]) / 2
    mass = np.diff(cuts) / (boxes.bounds[dim, 1] - boxes.bounds[dim, 0])
    inside = (boxes.lower[None, :, dim] <= mids[:, None]) & (mids[:, None] < boxes.upper[None, :, dim])
    return mids, mass, inside.astype(float)


def decompose(boxes: LeafBoxes, pairs: Sequence[tuple[int, int]] = ()) -> tuple[float, np.ndarray, dict[tuple[int, int], float]]:
    """One tree's total variance, main-effect variances (d,) and pairwise interaction variances.

    >>> b = LeafBoxes(np.array([[0., 0.], [.5, 0.]]), np.array([[.5, 1.], [1., 1.]]),
    ...               np.array([0., 2.]), np.array([[0., 1.], [0., 1.]]))
    >>> total, main, _ = decompose(b)
    >>> round(total, 6), main.round(6).tolist()
    (1.0, [1.0, 0.0])
    """
    widths = boxes.widths
    volume = widths.prod(axis=1)
    mean = float(volume @ boxes.values)
    total = float(volume @ (boxes.values - mean) ** 2)
    d = widths.shape[1]
    main = np.zeros(d)
    cells = {}
    for i in range(d):
        _, mass, inside = _cells(boxes, i)
        cells[i] = (mass, inside)
        # a_i at each cell: the leaves covering it, weighted by their volume outside dim i
        weight = boxes.values * _others(widths, (i,))
        marginal = inside @ weight
        main[i] = float(mass @ (marginal - mean) ** 2)
    inter = {}
    for i, j in pairs:
        (mass_i, in_i), (mass_j, in_j) = cells[i], cells[j]
        weight = boxes.values * _others(widths, (i, j))
        marginal = (in_i * weight) @ in_j.T  # (C_i, C_j)
        var = float(np.outer(mass_i, mass_j).ravel() @ ((marginal - mean) ** 2).ravel())
        inter[(i, j)] = max(var - main[i] - main[j], 0.0)
    return total, main, inter


def _others(widths: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    keep = np.ones(widths.shape[1], dtype=bool)
    keep[list(dims)] = False
    return np.asarray(widths[:, keep].prod(axis=1))


def fanova(x: np.ndarray, y: np.ndarray, bounds: np.ndarray, names: Sequence[str], *,
           n_trees: int = 64, seed: int = 0, pairs: int = 0,
           min_samples_leaf: int = 1) -> Importance:
    """Fit a random forest to ``(x, y)`` and decompose its variance (Hutter et al. 2014).

    Args:
        x: features (n, d) inside ``bounds`` (d, 2).
        y: the values to explain (n,).
        names: a name per column.
        n_trees: trees of the forest; fractions are averaged over them.
        seed: the forest's random state.
        pairs: also compute interactions among this many most important parameters.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((200, 2)); y = 5 * x[:, 0] + 0.1 * x[:, 1]
    >>> imp = fanova(x, y, np.array([[0., 1.], [0., 1.]]), ["a", "b"], n_trees=8)
    >>> imp.ranked()[0][0]
    'a'
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[1] != len(names):
        raise ConfigError(f"fanova: x must be (n, {len(names)}) with n = len(y), received "
                          f"x {x.shape} and y {y.shape}")
    if isinstance(n_trees, bool) or not isinstance(n_trees, int) or n_trees < 1:
        raise ConfigError(f"n_trees must be an int >= 1, received {n_trees!r}")
    ensemble = require("sklearn.ensemble", "sklearn", "fANOVA importance")
    forest = ensemble.RandomForestRegressor(  # type: ignore[attr-defined]
        n_estimators=n_trees, max_features=1.0, min_samples_leaf=min_samples_leaf,
        random_state=seed).fit(x, y)
    return decompose_forest([e.tree_ for e in forest.estimators_], bounds, names, pairs=pairs,
                            n_trials=len(y))


def decompose_forest(trees: Sequence[Any], bounds: np.ndarray, names: Sequence[str], *,
                     pairs: int = 0, n_trials: int = 0) -> Importance:
    """Average the per-tree variance fractions of fitted sklearn trees."""
    names = tuple(names)
    d = len(names)
    per_tree = []
    decomposed = [decompose(leaf_boxes(t, bounds)) for t in trees]
    for total, main, _ in decomposed:
        if total > 0:
            per_tree.append(main / total)
    fractions = np.array(per_tree) if per_tree else np.zeros((1, d))
    main_effects = {n: float(v) for n, v in zip(names, fractions.mean(axis=0))}
    std = {n: float(v) for n, v in zip(names, fractions.std(axis=0))}
    inter: dict[tuple[str, str], float] = {}
    if pairs and d > 1:
        top = [names.index(n) for n, _ in sorted(main_effects.items(), key=lambda kv: -kv[1])[:pairs]]
        combos = list(itertools.combinations(sorted(top), 2))
        sums = dict.fromkeys(combos, 0.0)
        for t in trees:
            total, _, pair_var = decompose(leaf_boxes(t, bounds), combos)
            for key, var in pair_var.items():
                sums[key] += var / total if total > 0 else 0.0
        inter = {(names[i], names[j]): s / len(trees) for (i, j), s in sums.items()}
    return Importance(names, main_effects, std, inter, n_trials)
