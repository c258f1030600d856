"""MOBSTER-like model-based asynchronous successive halving: ASHA + a budget-aware GP.

Reference: Klein, Tiao, Lienart, Archambeau, Seeger (2020), "Model-based Asynchronous
Hyperparameter and Neural Architecture Search", arXiv:2003.10865. A composition: this
scheduler is :class:`~tiaocan.schedulers.asha.ASHA`, and its :meth:`MOBSTER.default_sampler`
(used by ``create_study`` when no sampler is given) is
:class:`~tiaocan.samplers.multifidelity.BudgetGP`, a GP that sees the budget as an input.

>>> import tiaocan as tc
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0,
...                         scheduler="mobster", fidelity=tc.Fidelity("epoch", 1, 9))
>>> type(study.sampler).__name__
'BudgetGP'
"""

from __future__ import annotations

from typing import Any

from tiaocan.schedulers.asha import ASHA

__all__ = ["MOBSTER"]


class MOBSTER(ASHA):
    """ASHA (promotion or stopping) whose default sampler is a budget-aware GP."""

    def default_sampler(self) -> Any:
        """The sampler MOBSTER composes with when the study names none."""
        from tiaocan.samplers.multifidelity import BudgetGP

        return BudgetGP()
