"""The integration modules import their library only when imported themselves, and a missing
library is one error naming the extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

LIBRARIES = ("sklearn", "torch", "lightning", "transformers", "xgboost", "lightgbm", "wandb",
             "optuna")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_the_integration_package_imports_no_library() -> None:
    done = _python("import sys, tiaocan.integration, tiaocan.tracking.wandb; "
                   f"print(' '.join(m for m in {LIBRARIES!r} if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


@pytest.mark.parametrize(("module", "blocked", "extra"), [
    ("tiaocan.integration.sklearn", "sklearn", "sklearn"),
    ("tiaocan.integration.lightning", "lightning", "lightning"),
    ("tiaocan.integration.huggingface", "transformers", "huggingface"),
    ("tiaocan.integration.xgboost", "xgboost", "xgboost"),
    ("tiaocan.integration.lightgbm", "lightgbm", "lightgbm"),
])
def test_a_missing_library_names_its_extra(module: str, blocked: str, extra: str) -> None:
    # sys.modules[name] = None makes "import name" fail, as if it were not installed.
    done = _python(f"import sys; sys.modules[{blocked!r}] = None\n"
                   "import tiaocan\n"
                   "try:\n"
                   f"    import {module}\n"
                   "except tiaocan.MissingExtraError as exc:\n"
                   "    print(exc)\n")
    assert done.returncode == 0, done.stderr
    assert f'pip install "tiaocan[{extra}]"' in done.stdout


def test_the_wandb_tracker_names_its_extra_when_used() -> None:
    done = _python("import sys; sys.modules['wandb'] = None\n"
                   "import tiaocan as tc\n"
                   "from tiaocan.tracking.wandb import WandbTracker\n"
                   "s = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=':memory:')\n"
                   "t = s.ask(); s.tell(t, 1.0)\n"
                   "try:\n"
                   "    WandbTracker().on_trial_complete(s, s.trials[0])\n"
                   "except tc.MissingExtraError as exc:\n"
                   "    print(exc)\n")
    assert done.returncode == 0, done.stderr
    assert 'pip install "tiaocan[wandb]"' in done.stdout
