"""Trial checkpoints: JSON or torch (weights_only), per budget, clones read their source's."""

from __future__ import annotations

from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.checkpoint import checkpoint_dir, delete_checkpoints, list_checkpoints
from tiaocan.errors import ConfigError
from tiaocan.storage import artifact_root


@pytest.fixture
def study(tmp_path: Path) -> tc.Study:
    return tc.create_study(name="ck", space=tc.Space(x=tc.Float(0, 1)),
                           storage=f"sqlite:///{tmp_path / 'db.sqlite'}", sampler="random",
                           fidelity=tc.Fidelity("epoch", 1, 9))


def test_json_checkpoints_live_beside_the_database(study: tc.Study, tmp_path: Path) -> None:
    t = study.ask()
    assert t.load_checkpoint() is None
    t.save_checkpoint({"epoch": 9, "curve": [1.0, 0.5]})
    assert t.load_checkpoint() == {"epoch": 9, "curve": [1.0, 0.5]}
    folder = checkpoint_dir(study, t.number)
    assert folder.is_relative_to(artifact_root(study.storage)) and folder.is_relative_to(tmp_path)
    assert [p.suffix for _, p in list_checkpoints(study, t.number)] == [".json"]
    delete_checkpoints(study, t.number)
    assert t.load_checkpoint() is None


def test_objects_that_are_neither_json_nor_tensors_are_refused(study: tc.Study) -> None:
    t = study.ask()
    with pytest.raises(ConfigError, match="JSON data or hold torch tensors"):
        t.save_checkpoint({"model": object()})
    assert t.load_checkpoint() is None  # nothing half-written


def test_torch_state_dicts_round_trip_with_weights_only(study: tc.Study) -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(4, 2)
    t = study.ask()
    t.save_checkpoint({"model": model.state_dict(), "step": 3})
    loaded = t.load_checkpoint()
    assert loaded["step"] == 3
    assert torch.equal(loaded["model"]["weight"], model.state_dict()["weight"])
    path = list_checkpoints(study, t.number)[-1][1]
    assert path.suffix == ".pt"
    torch.load(path, weights_only=True)  # loadable without trusting pickled code


def test_latest_budget_wins_and_a_clone_reads_its_source_at_the_clone_budget(study: tc.Study) -> None:
    src = study.ask()
    study.storage.update_trial(src.record.trial_id, budget=3)
    src = tc.Trial(study.history().trials[src.number], src._runtime)
    src.save_checkpoint({"epoch": 3})
    study.storage.update_trial(src.record.trial_id, budget=9)
    src = tc.Trial(study.history().trials[src.number], src._runtime)
    src.save_checkpoint({"epoch": 9})
    assert src.load_checkpoint() == {"epoch": 9}
    clone = study.storage.create_trial(study.study_id, params={"x": 0.5}, state=tc.TrialState.RUNNING,
                                       budget=6, system_attrs={"cloned_from": src.number,
                                                               "job": {"source_budget": 3}})
    assert tc.Trial(clone, src._runtime).load_checkpoint() == {"epoch": 3}
