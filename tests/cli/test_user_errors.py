"""Every user mistake in the CLI is one line on stderr and exit code 2; nothing is created,
deleted or printed that should not be."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import tiaocan as tc
from tiaocan.cli import main
from tiaocan.dashboard.hosts import hosts_for
from tiaocan.storage import shown_url

OBJECTIVE = "def f(trial):\n    return trial.params['x']\n"
SPACE = "space:\n  x: {type: float, low: 0, high: 1}\n"


def _error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = [line for line in capsys.readouterr().err.strip().splitlines()
           if "first on sys.path" not in line]  # `run` says where it imports from
    assert len(err) == 1 and err[0].startswith("tiaocan: error: "), err
    return err[0]


@pytest.mark.parametrize(("spec", "message"), [
    ("objective: obj:f\nspace:\n  x: {type: categorical}\n", "needs 'choices'"),
    ("objective: broken:f\n" + SPACE, "syntax error"),
    ("objective: raises:f\n" + SPACE, "ZeroDivisionError"),
    ("objective: obj:f\ndirections: minimize\n" + SPACE, "directions must be a list"),
    ("objective: obj:f\ndirection: minimize\ndirections: [minimize]\n" + SPACE, "not both"),
    ("objective: obj:f\nspace:\n  x: {type: float, low: 0, high: 1, sep: 2}\n", "'sep'"),
    ("objective: obj:f\nspace:\n  x: {type: float, low: 1e400, high: 2}\n", "finite number"),
])
def test_spec_mistakes_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch, spec: str, message: str) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))  # `run` prepends the spec's folder
    for name in ("obj", "broken", "raises"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    (tmp_path / "obj.py").write_text(OBJECTIVE)
    (tmp_path / "broken.py").write_text("def f(trial) return 1\n")
    (tmp_path / "raises.py").write_text("1 / 0\n")
    (tmp_path / "spec.yaml").write_text(spec)
    url = f"sqlite:///{tmp_path / 'run.db'}"
    assert message in _error_line(capsys, ["run", str(tmp_path / "spec.yaml"), "--storage", url,
                                           "--no-progress"])


def test_a_run_whose_every_trial_fails_says_so_in_one_line_and_exits_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a usage mistake (the failed trials are stored with their errors): exit 1, one line."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "spec.yaml").write_text("objective: os:system\nn_trials: 2\n" + SPACE)
    url = f"sqlite:///{tmp_path / 'run.db'}"
    assert main(["run", str(tmp_path / "spec.yaml"), "--storage", url, "--no-progress"]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (f"tiaocan: study 'spec' in {url}: no trial completed (2 failed; the first: "
                    "TypeError: expected str, bytes or os.PathLike object, not Trial); "
                    "`tiaocan trials spec` lists them")
    assert [t.state for t in tc.load_study("spec", storage=url).trials] == [tc.TrialState.FAILED] * 2


@pytest.mark.parametrize("command", [["studies"], ["trials", "s"], ["best", "s"], ["report", "s"],
                                     ["export", "s"], ["dashboard"], ["delete", "s", "--yes"]])
def test_read_only_commands_never_create_a_database(tmp_path: Path, command: list[str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nofile.db"
    assert "does not create one" in _error_line(
        capsys, [*command, "--storage", f"sqlite:///{path}"])
    assert not path.exists()


@pytest.mark.parametrize(("url", "message"), [
    ("postgresql://:@:@127.0.0.1:1/", "cannot open storage"),       # a port that is not a number
    ("postgresql://u:pw@./db", "cannot connect to storage"),         # a host the resolver refuses
    ("postgresql://./:@127.0.0.1:1/", "cannot connect to storage"),
])
def test_urls_the_driver_cannot_use_are_one_line(url: str, message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    line = _error_line(capsys, ["studies", "--storage", url])
    assert message in line and "pw" not in line


def test_passwords_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    assert shown_url("see postgresql://me:hunter2@db:5432/t.") == "see postgresql://me:***@db:5432/t."
    line = _error_line(capsys, ["studies", "--storage", "postgresql://me:hunter2@127.0.0.1:1/x"])
    assert "hunter2" not in line and "me:***@" in line
    line = _error_line(capsys, ["studies", "--storage", "mysql://me:hunter2@h/x"])
    assert "hunter2" not in line
    assert "hunter2" not in repr(tc.create_study(space=tc.Space(x=tc.Float(0, 1)),
                                                 storage=":memory:"))


def test_storage_url_with_nul_is_a_config_error() -> None:
    with pytest.raises(tc.ConfigError, match="NUL"):
        tc.storage.get_storage("sqlite:///a\x00b.db")


def test_delete_without_yes_from_a_pipe_deletes_nothing(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    tc.create_study("keep", space=tc.Space(x=tc.Float(0, 1)), storage=url)
    assert "--yes" in _error_line(capsys, ["delete", "keep", "--storage", url])  # stdin: no tty
    assert [s.name for s in tc.list_studies(url)] == ["keep"]


def test_export_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    study = tc.create_study("e", space=tc.Space(x=tc.Float(0, 1)), storage=url, sampler="random")
    study.optimize(lambda t: t.params["x"], n_trials=300)
    proc = subprocess.run(f"{sys.executable} -m tiaocan export e --storage {url} | head -1",
                          shell=True, capture_output=True, text=True, timeout=120)
    assert proc.stdout.startswith("number,") and proc.stderr == ""


def test_run_says_when_it_puts_the_spec_folder_on_sys_path(tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "objmod.py").write_text(OBJECTIVE)
    (folder / "spec.yaml").write_text("objective: objmod:f\nn_trials: 1\n" + SPACE)
    proc = subprocess.run([sys.executable, "-c", "import sys; from tiaocan.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", "run", str(folder / "spec.yaml"),
                           "--storage", f"sqlite:///{tmp_path / 'p.db'}", "--no-progress"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"with {folder} first on sys.path" in proc.stderr


def test_dashboard_answers_only_its_own_host(tmp_path: Path) -> None:
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from tiaocan.dashboard.app import create_app

    url = f"sqlite:///{tmp_path / 'h.db'}"
    tc.create_study("secret-study", space=tc.Space(x=tc.Float(0, 1)), storage=url)
    app = create_app(url, prefetch=False, allowed_hosts=hosts_for("127.0.0.1", ["tuning.lan"]))
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        assert client.get("/api/studies").status_code == 200
        assert client.get("/api/studies", headers={"host": "localhost:8080"}).status_code == 200
        assert client.get("/api/studies", headers={"host": "tuning.lan"}).status_code == 200
        refused = client.get("/api/studies", headers={"host": "evil.example:8080"})
        assert refused.status_code == 400 and "secret-study" not in refused.text


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"direction": "minimize", "directions": ["maximize"]}, "not both"),
    ({"directions": "minimize"}, "must be a list"),
])
def test_direction_mistakes_in_the_api(kwargs: dict, message: str) -> None:
    with pytest.raises(tc.ConfigError, match=message):
        tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", **kwargs)
