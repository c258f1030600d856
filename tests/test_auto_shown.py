"""auto's choice and reason, and the sampler's cost, where a user looks: report and summary."""

from __future__ import annotations

import pytest

import tiaocan as tc
from tiaocan.study_config import auto_choices, describe_search

SPACE = tc.Space(x=tc.Float(0, 1), y=tc.Float(0, 1))


def test_describe_search_names_auto_pick_reason_and_history() -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0, scheduler="asha",
                            fidelity=tc.Fidelity("epoch", 1, 9))
    assert describe_search(study).startswith("sampler auto chose gp: 2 parameters and 0 <")
    study.optimize(lambda t: t.params["x"], n_trials=3)
    text = describe_search(study)
    assert "(so far: 3 gp)" in text and "scheduler ASHA" in text
    assert "fidelity epoch from 1 to 9" in text
    assert auto_choices(study.trials) == {"gp": 3}
    plain = tc.create_study(space=SPACE, storage=":memory:", sampler="tpe")
    assert describe_search(plain) == "sampler TPESampler"


def test_every_proposal_stores_its_time() -> None:
    study = tc.create_study(space=SPACE, storage=":memory:", seed=0, sampler="random")
    study.optimize(lambda t: t.params["x"], n_trials=3)
    assert all(t.system_attrs["propose_seconds"] >= 0 for t in study.trials)


def test_report_shows_the_choice_and_proposal_time_beside_the_objective() -> None:
    pytest.importorskip("plotly")
    from tiaocan.dashboard.report import report_html

    study = tc.create_study("r", space=SPACE, storage=":memory:", seed=0, sampler="random")
    study.optimize(lambda t: t.params["x"], n_trials=4)
    html = report_html(study)
    assert '<p class="search">sampler RandomSampler</p>' in html
    assert "time per trial (median): proposal " in html and ", objective " in html
    assert "<th>objective s</th><th>proposal s</th>" in html


def test_export_rows_carry_auto_pick_and_proposal_time() -> None:
    from tiaocan.export import trial_records

    study = tc.create_study(space=SPACE, storage=":memory:", seed=0)
    study.optimize(lambda t: t.params["x"], n_trials=2)
    rows = trial_records(study)
    assert [r["auto_chose"] for r in rows] == ["gp", "gp"]
    assert all(r["propose_seconds"] >= 0 for r in rows)
