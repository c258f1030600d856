"""Seeds: one study seed determines every per-trial seed and every sampler draw.

Seeds are derived with :class:`numpy.random.SeedSequence`, so streams for different trial
numbers (and for different purposes) are statistically independent.
"""

from __future__ import annotations

import secrets

import numpy as np

__all__ = ["new_study_seed", "sampler_rng", "trial_seed"]

_TRIAL_SEED = 0
_SAMPLER = 1


def new_study_seed() -> int:
    """A fresh seed for a study created without one (it is stored, so the study can be repeated)."""
    return secrets.randbits(31)


def trial_seed(study_seed: int, number: int) -> int:
    """The seed handed to trial ``number`` (a 31-bit int, safe for torch, numpy and random)."""
    state = np.random.SeedSequence([study_seed, _TRIAL_SEED, number]).generate_state(1)[0]
    return int(state) & 0x7FFF_FFFF


def sampler_rng(study_seed: int, number: int) -> np.random.Generator:
    """The generator a sampler draws from when proposing trial ``number``."""
    return np.random.default_rng(np.random.SeedSequence([study_seed, _SAMPLER, number]))
