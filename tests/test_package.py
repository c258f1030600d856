from __future__ import annotations

import subprocess
import sys

import tiaocan as tc

HEAVY = ("torch", "sklearn", "plotly", "dask", "matplotlib", "pandas", "mlflow", "starlette",
         "sqlalchemy")


def test_import_stays_light() -> None:
    code = ("import sys, tiaocan; heavy = %r; print(' '.join(m for m in heavy if m in sys.modules))"
            % (HEAVY,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_api_is_exactly_what_is_meant() -> None:
    assert set(tc.__all__) == {
        "__version__", "Space", "Float", "Int", "Categorical", "Fidelity", "Study", "create_study",
        "load_study", "delete_study", "list_studies", "Trial", "FrozenTrial", "TrialState",
        "Direction", "Report", "Decision", "samplers", "schedulers", "executors", "nas",
        "TiaocanError",
        "ConfigError", "StorageError", "SchemaVersionError", "StudyNotFoundError",
        "DuplicateStudyError", "GridExhaustedError", "MissingExtraError", "TrialPruned",
    }
    for name in tc.__all__:
        assert hasattr(tc, name), name


def test_errors_form_one_tree() -> None:
    for name in tc.__all__:
        obj = getattr(tc, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, tc.TiaocanError)
    assert issubclass(tc.ConfigError, ValueError)
    assert issubclass(tc.StudyNotFoundError, LookupError)
    assert issubclass(tc.MissingExtraError, ImportError)
