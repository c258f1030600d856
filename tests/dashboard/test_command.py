"""``tiaocan dashboard`` as a user starts it: a real process serving a real port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

import tiaocan as tc
from tests.dashboard._browser import free_port

pytest.importorskip("uvicorn")
pytest.importorskip("starlette")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - a local test server
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


def test_dashboard_command_serves_the_studies_of_a_storage(sqlite_url):
    study = tc.create_study("served <b>", space=tc.Space(x=tc.Float(-1, 1)), storage=sqlite_url, seed=0)
    study.optimize(lambda t: t.params["x"] ** 2, n_trials=4)
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "tiaocan", "dashboard", "--storage", sqlite_url,
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # start-up on a loaded machine; not a speed check
        while True:
            try:
                status, html = _get(base + "/")
                break
            except (ConnectionError, urllib.error.URLError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the dashboard did not start: {proc.communicate()[0]}")
                time.sleep(0.2)
        assert status == 200
        assert "served &lt;b&gt;" in html and "<td class=\"c-trials\">4</td>" in html
        status, page = _get(base + "/api/trials?study=served%20%3Cb%3E")
        assert status == 200 and '"total":4' in page.replace(" ", "")
        assert _get(base + "/study?name=missing")[0] == 404
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}/" in out  # it said where it serves
