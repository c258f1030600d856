"""A study deleted (or deleted and re-created) under running workers: the run ends with one
clear line that names the study, on threads, processes and ``tiaocan worker``, and writes
nothing into the new study of that name."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import tiaocan as tc
from tiaocan.cli import main
from tiaocan.errors import StaleStudyError
from tiaocan.executors import ProcessExecutor, ThreadExecutor

SPACE = tc.Space(x=tc.Float(0, 1))


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'victim.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _replace_study(url: str) -> None:
    tc.delete_study("victim", storage=url)
    tc.create_study("victim", space=SPACE, storage=url, seed=1)


def _in_thread(call: Any) -> BaseException | None:
    """Run ``call``; what it raised, or a failure if it never ends (a hang guard, not a timing)."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            call()
        except BaseException as exc:  # handed to the test below
            raised.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "the run hung after its study was deleted"
    return raised[0] if raised else None


def _assert_new_study_untouched(url: str) -> None:
    assert tc.load_study("victim", storage=url).trials == []  # no cross-study write


@pytest.mark.parametrize("executor", [ThreadExecutor, ProcessExecutor])
def test_optimize_ends_with_one_line_naming_the_study(url: str, executor: Any) -> None:
    study = tc.create_study("victim", space=SPACE, storage=url, seed=0, sampler="random")

    def objective(trial: tc.Trial) -> float:
        if trial.number == 1:
            _replace_study(url)
        return float(trial.params["x"])

    error = _in_thread(lambda: study.optimize(objective, n_trials=30, n_workers=2,
                                              executor=executor()))
    assert isinstance(error, StaleStudyError), repr(error)
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    assert "study 'victim' was deleted" in message and "load_study" in message
    _assert_new_study_untouched(url)


def test_tiaocan_worker_ends_with_one_line(url: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    tc.create_study("victim", space=SPACE, storage=url, seed=0, sampler="random")
    (tmp_path / "replacing.py").write_text(
        "import tiaocan as tc\n"
        "from tests.storage.test_deleted_under_workers import _replace_study\n"
        f"URL = {url!r}\n"
        "def objective(trial):\n"
        "    if trial.number == 1:\n"
        "        _replace_study(URL)\n"
        "    return trial.params['x']\n")
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "replacing", raising=False)
    codes: list[int] = []
    error = _in_thread(lambda: codes.append(main([
        "worker", "--storage", url, "--study", "victim", "--objective", "replacing:objective",
        "--n-trials", "30"])))
    assert error is None and codes == [2]
    err = [line for line in capsys.readouterr().err.splitlines()
           if line.strip() and "first on sys.path" not in line]  # run's note on what it imports
    assert len(err) == 1 and err[0].startswith("tiaocan: error: study 'victim' was deleted"), err
    _assert_new_study_untouched(url)


def test_a_worker_opening_a_deleted_or_recreated_study_gets_the_stale_error(url: str) -> None:
    """A process worker opens the study by name when it starts: if the study was deleted (or
    deleted and re-created) since the run began, that is the run's study gone, not a new one."""
    study = tc.create_study("victim", space=SPACE, storage=url, seed=0)
    tc.delete_study("victim", storage=url)
    with pytest.raises(StaleStudyError, match="'victim' was deleted"):
        study.reopen()
    tc.create_study("victim", space=SPACE, storage=url, seed=1)
    with pytest.raises(StaleStudyError, match="'victim' was re-created"):
        study.reopen()
    _assert_new_study_untouched(url)
