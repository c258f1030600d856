"""The [all] extra installs every feature the README lists, torch aside."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _extras() -> dict[str, list[str]]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["optional-dependencies"]


def test_all_covers_every_feature_extra_but_torch() -> None:
    extras = _extras()
    (line,) = extras["all"]
    included = set(re.fullmatch(r"tiaocan\[(.*)\]", line).group(1).split(","))  # type: ignore[union-attr]
    bridges = {"optuna", "lightning", "huggingface", "xgboost", "lightgbm", "wandb"}
    heavy = {"torch", "nas"}  # torch: the README shows "tiaocan[all,torch]"
    tooling = {"all", "test", "bench"}  # not features: the suite's and the benchmarks' needs
    assert included == set(extras) - tooling - bridges - heavy
    assert {"tensorboard", "mlflow"} <= included


def test_readme_install_line_names_the_extras() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[all]"' in readme and 'pip install -e ".[all,torch]"' in readme
    for name in set(_extras()) - {"all", "test", "nas"}:
        assert f"`{name}`" in readme, name
