"""How well a cheap proxy ranks architectures: Kendall τ and precision@k against the truth.

A one-shot proxy is useful when it orders architectures as their stand-alone training does
(Kendall τ over all of them) and, above all, when its top-k holds the true top-k
(precision@k). Both are shown next to a baseline proxy (e.g. the parameter count), which a
weight-sharing proxy has to beat to be worth its training.

>>> truth = {"a": 0.9, "b": 0.8, "c": 0.7, "d": 0.6}
>>> ranking_quality({"a": 3, "b": 2, "c": 1, "d": 0}, truth, k=2)["kendall_tau"]
1.0
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from tiaocan.errors import ConfigError

__all__ = ["precision_at_k", "ranking_quality"]


def precision_at_k(proxy: Mapping[Hashable, float], truth: Mapping[Hashable, float], k: int) -> float:
    """Share of the proxy's top ``k`` that are among the true top ``k``."""
    top_proxy = sorted(proxy, key=lambda key: -proxy[key])[:k]
    top_truth = set(sorted(truth, key=lambda key: -truth[key])[:k])
    return sum(key in top_truth for key in top_proxy) / k


def ranking_quality(proxy: Mapping[Hashable, float], truth: Mapping[Hashable, float], *,
                    baseline: Mapping[Hashable, float] | None = None, k: int = 10) -> dict[str, Any]:
    """Kendall τ (τ-b, ties allowed) and precision@k of ``proxy`` against ``truth`` on their
    common keys, and the same for ``baseline`` when given (keys ``baseline_*``)."""
    from scipy.stats import kendalltau

    keys = [key for key in proxy if key in truth]
    if len(keys) < 2 or isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(keys):
        raise ConfigError(f"ranking_quality needs at least 2 common keys and k in [1, {len(keys)}], "
                          f"received {len(keys)} common keys and k={k!r}")
    result: dict[str, Any] = {"n": len(keys), "k": k}
    for label, scores in (("", proxy), ("baseline_", baseline)):
        if scores is None:
            continue
        tau = kendalltau([scores[key] for key in keys], [truth[key] for key in keys]).statistic
        result[f"{label}kendall_tau"] = round(float(tau), 4)
        result[f"{label}precision_at_k"] = precision_at_k({key: scores[key] for key in keys},
                                                          {key: truth[key] for key in keys}, k)
    return result
