"""One seed reproduces a study: in a fresh process, and after a resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tiaocan as tc

ROOT = Path(__file__).resolve().parents[1]

RUN = textwrap.dedent(
    """
    import json, sys, tiaocan as tc
    from tiaocan.testing import CONFORMANCE_SPACES
    space = CONFORMANCE_SPACES["conditional"]
    study = tc.create_study(space=space, storage=sys.argv[1], sampler=sys.argv[2], seed=5)
    study.optimize(lambda t: sum(len(str(v)) for v in t.params.values()), n_trials=int(sys.argv[3]))
    print(json.dumps([[t.params, t.seed] for t in study.trials]))
    """
)


def _in_process(sampler: str, n: int) -> list:
    from tiaocan.testing import CONFORMANCE_SPACES

    study = tc.create_study(space=CONFORMANCE_SPACES["conditional"], storage=":memory:",
                            sampler=sampler, seed=5)
    study.optimize(lambda t: sum(len(str(v)) for v in t.params.values()), n_trials=n)
    return json.loads(json.dumps([[t.params, t.seed] for t in study.trials]))


@pytest.mark.parametrize("sampler", ["random", "sobol"])
def test_same_seed_same_study_in_a_fresh_process(sampler: str, tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(RUN)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONHASHSEED": "random"}
    out = subprocess.run([sys.executable, str(script), f"sqlite:///{tmp_path / 'r.db'}", sampler, "12"],
                         capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == _in_process(sampler, 12)


def test_different_seeds_differ() -> None:
    a = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=1, sampler="random")
    b = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=2, sampler="random")
    for s in (a, b):
        s.optimize(lambda t: t.params["x"], n_trials=3)
    assert [t.params for t in a.trials] != [t.params for t in b.trials]
    assert [t.seed for t in a.trials] != [t.seed for t in b.trials]


def test_resume_continues_the_same_sequence(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    study = tc.create_study("r", space=tc.Space(x=tc.Float(0, 1), c=tc.Categorical([1, 2, 3])),
                            storage=url, sampler="sobol", seed=9)
    study.optimize(lambda t: t.params["x"], n_trials=4)
    again = tc.load_study("r", storage=url)  # the sampler is rebuilt from what was stored
    assert type(again.sampler) is type(study.sampler)
    again.optimize(lambda t: t.params["x"], n_trials=4)
    whole = tc.create_study(space=tc.Space(x=tc.Float(0, 1), c=tc.Categorical([1, 2, 3])),
                            storage=":memory:", sampler="sobol", seed=9)
    whole.optimize(lambda t: t.params["x"], n_trials=8)
    assert [(t.params, t.seed) for t in again.trials] == [(t.params, t.seed) for t in whole.trials]


def test_seed_is_drawn_and_stored_when_not_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = tc.create_study("s", space=tc.Space(x=tc.Float(0, 1)), storage=url)
    assert isinstance(study.seed, int)
    assert tc.load_study("s", storage=url).seed == study.seed
