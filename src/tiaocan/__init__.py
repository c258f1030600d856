"""tiaocan (调参): hyperparameter tuning and architecture search — fast, reproducible, tracked.

>>> import tiaocan as tc
>>> space = tc.Space(x=tc.Float(-5.0, 5.0), kind=tc.Categorical(["a", "b"]))
>>> study = tc.create_study(space=space, storage=":memory:", seed=0)
>>> study.optimize(lambda trial: trial.params["x"] ** 2, n_trials=10)
>>> len(study.trials)
10
"""

from __future__ import annotations

from tiaocan import executors, nas, samplers, schedulers
from tiaocan.errors import (
    ConfigError,
    DuplicateStudyError,
    GridExhaustedError,
    MissingExtraError,
    SchemaVersionError,
    StorageError,
    StudyNotFoundError,
    TiaocanError,
    TrialPruned,
)
from tiaocan.fidelity import Fidelity
from tiaocan.schedulers.base import Decision
from tiaocan.space import Categorical, Float, Int, Space
from tiaocan.study import Study, create_study, delete_study, list_studies, load_study
from tiaocan.trial import Direction, FrozenTrial, Report, Trial, TrialState

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # spaces
    "Space", "Float", "Int", "Categorical", "Fidelity",
    # studies and trials
    "Study", "create_study", "load_study", "delete_study", "list_studies",
    "Trial", "FrozenTrial", "TrialState", "Direction", "Report", "Decision",
    # roles
    "samplers", "schedulers", "executors", "nas",
    # errors
    "TiaocanError", "ConfigError", "StorageError", "SchemaVersionError", "StudyNotFoundError",
    "DuplicateStudyError", "GridExhaustedError", "MissingExtraError", "TrialPruned",
]
