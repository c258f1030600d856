from __future__ import annotations

import json

import pytest

import tiaocan as tc
from tiaocan.cli import main

SPACE = tc.Space(lr=tc.Float(1e-4, 1e-1, log=True), opt=tc.Categorical(["sgd", "adam"]))


@pytest.fixture()
def url(sqlite_url):
    s = tc.create_study("cli", space=SPACE, storage=sqlite_url, seed=3)

    def objective(t):
        for step in (1, 2):
            t.report(t.params["lr"] / step, step=step)
        return t.params["lr"]

    s.optimize(objective, n_trials=6)
    return sqlite_url


def test_note_on_study_and_trial(url, capsys):
    assert main(["note", "--storage", url, "cli", "first sweep"]) == 0
    assert main(["note", "--storage", url, "cli", "--trial", "2", "odd", "spike"]) == 0
    s = tc.load_study("cli", storage=url)
    assert s.user_attrs["note"] == "first sweep" and s.trials[2].user_attrs["note"] == "odd spike"
    capsys.readouterr()
    assert main(["note", "--storage", url, "--trial", "2", "cli"]) == 0
    assert capsys.readouterr().out.strip() == "odd spike"
    assert main(["note", "--storage", url, "cli", "--trial", "9", "x"]) == 2


def test_reproduce_prints_the_recipe_and_warns_about_differences(url, capsys, monkeypatch):
    assert main(["reproduce", "cli", "4", "--storage", url]) == 0
    out = capsys.readouterr().out
    s = tc.load_study("cli", storage=url)
    t = s.trials[4]
    assert f"seed: {t.seed} (trial), 3 (study)" in out
    assert f"lr = {t.params['lr']!r}" in out and "packages: " in out and "numpy==" in out
    warnings = [line for line in out.splitlines() if line.startswith("WARNING")]
    # same process, same environment: at most the code's git state is flagged (a dirty tree, or
    # no git work tree when the test runner lives outside one); never Python, packages, hardware
    assert all("uncommitted changes" in w or "code revision: not recorded" in w for w in warnings)
    # a different environment now: each difference is a warning
    from tiaocan.tracking import manifest

    env = manifest.environment()
    changed = {**env, "python": "9.9.9", "packages": {**env["packages"], "numpy": "0.1"}}
    monkeypatch.setattr(manifest, "environment", lambda: changed)
    assert main(["reproduce", "cli", "4", "--storage", url, "--json", "--strict"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["params"] == t.params and data["environment_source"] == "trial worker"
    assert any(d.startswith("python: recorded") for d in data["differences"])
    assert any(d.startswith("package numpy: recorded") for d in data["differences"])
    assert main(["reproduce", "cli", "99", "--storage", url]) == 2


def test_report_is_one_offline_file(url, tmp_path):
    pytest.importorskip("plotly")
    out = tmp_path / "report.html"
    tc.load_study("cli", storage=url).set_note("<script>alert(1)</script>")
    assert main(["report", "cli", "-o", str(out), "--storage", url]) == 0
    html = out.read_text()
    assert "<script src=" not in html and "<link " not in html  # nothing fetched
    assert "Plotly.newPlot" in html and html.count('class="figure"') >= 3
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)" in html
    assert "best 50 trials" in html

# `tiaocan dashboard` is started for real in tests/dashboard/test_command.py
