"""Stored samplers and schedulers are rebuilt only through the registry."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.errors import UnregisteredClassError
from tiaocan.registry import lookup, registered_names
from tiaocan.samplers import SAMPLERS, describe, rebuild
from tiaocan.schedulers import SCHEDULERS


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_builtin_sampler_rebuilds(name: str) -> None:
    sampler = SAMPLERS[name]()
    assert type(rebuild(describe(sampler), "sampler")) is type(sampler)


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_every_builtin_scheduler_rebuilds(name: str) -> None:
    scheduler = SCHEDULERS[name]()
    assert type(rebuild(describe(scheduler), "scheduler")) is type(scheduler)


@pytest.mark.parametrize("name", ["subprocess.Popen", "os.system", "builtins.eval",
                                  "tiaocan.storage.sql.SQLStorage", "tiaocan_plugin_absent.Thing",
                                  "", "Popen"])
def test_unknown_class_is_refused_without_import(name: str) -> None:
    before = set(sys.modules)
    with pytest.raises(UnregisteredClassError, match="entry point"):
        lookup("sampler", name)
    assert set(sys.modules) - before == set()


def _install_plugin(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plug-in package with a `tiaocan.samplers` entry point, as `pip install` leaves it."""
    (root / "tc_plugin_demo.py").write_text(
        "class HalfSampler:\n"
        "    def __init__(self, value=0.5):\n"
        "        self.value = value\n"
        "    def sample(self, space, history, rng):\n"
        "        return {'x': self.value}\n")
    info = root / "tc_plugin_demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tc-plugin-demo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[tiaocan.samplers]\nhalf = tc_plugin_demo:HalfSampler\n")
    monkeypatch.syspath_prepend(str(root))


def test_plugin_registered_by_entry_point_rebuilds(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, monkeypatch)
    from tc_plugin_demo import HalfSampler  # type: ignore[import-not-found]

    url = f"sqlite:///{tmp_path / 'p.db'}"
    tc.create_study(name="p", space=tc.Space(x=tc.Float(0, 1)), storage=url,
                    sampler=HalfSampler(0.25), seed=0)
    loaded = tc.load_study("p", storage=url)
    assert loaded.sampler.value == 0.25
    assert "tc_plugin_demo.HalfSampler" in registered_names("sampler")
    loaded.optimize(lambda t: t.params["x"], n_trials=1)
    assert loaded.best_params == {"x": 0.25}


def test_unregistered_stored_sampler_reads_but_refuses_to_sample(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    study = tc.create_study(name="f", space=tc.Space(x=tc.Float(0, 1)), storage=url, seed=0,
                            sampler=tc.samplers.FunctionSampler(lambda s, h, r: {"x": 0.5}))
    study.optimize(lambda t: t.params["x"], n_trials=2)
    loaded = tc.load_study("f", storage=url)
    assert loaded.best_value == 0.5
    with pytest.raises(UnregisteredClassError, match="FunctionSampler"):
        loaded.optimize(lambda t: t.params["x"], n_trials=1)
    assert [t.state for t in loaded.trials] == [tc.TrialState.COMPLETE] * 2
    again = tc.load_study("f", storage=url, sampler="random")
    again.optimize(lambda t: t.params["x"], n_trials=1)
    assert len(again.trials) == 3
