from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests._services import PostgresServer, required

# Fuzz and property tests run a bounded number of examples in the suite; `--hypothesis-profile
# long` runs many more (once, by hand, for a long fuzzing run).
settings.register_profile("long", max_examples=2_000, deadline=None)
if os.environ.get("TIAOCAN_HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["TIAOCAN_HYPOTHESIS_PROFILE"])


@pytest.fixture(autouse=True)
def _work_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts in its own empty directory, so nothing it writes by a relative path
    (a default `tiaocan.db`, artifacts, logs) lands in the repository or leaks between tests."""
    monkeypatch.chdir(tmp_path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers applied from what a test uses, so `-m "not slow"` really leaves out the slow ones."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        path = Path(str(item.fspath)).resolve()
        if fixtures & {"postgres_server", "postgres_url"} or "[postgres" in item.name:
            item.add_marker(pytest.mark.postgres)
            item.add_marker(pytest.mark.slow)
        if "browser" in {m.name for m in item.iter_markers()} or path.name.startswith("test_browser"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
        if path.parent.name in {"demos", "recipe", "nas"} or path.name in {"test_dask.py",
                                                                            "test_examples.py"}:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With TIAOCAN_REQUIRE_SERVICES=1 (as `make test` sets) a skip is a failure that says what is
    missing: a test that quietly skips for want of a package or a service checks nothing."""
    outcome = yield
    report = outcome.get_result()
    if required() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but TIAOCAN_REQUIRE_SERVICES=1 forbids skips: {reason}"


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """The same for a whole module skipped at import (`pytest.importorskip`)."""
    if required() and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but TIAOCAN_REQUIRE_SERVICES=1 forbids skips: {reason}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh database on the session's real PostgreSQL server."""
    return postgres_server.new_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tiaocan.db'}"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every built-in storage, for tests that must hold on all of them."""
    if request.param == "memory":
        return ":memory:"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tiaocan.db'}"
    return str(request.getfixturevalue("postgres_url"))
