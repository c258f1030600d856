"""The dashboard's Host check: the bound address (IPv4 or IPv6, any spelling), names of this
machine for a wildcard bind, ``--allow-host`` names; everything else gets 400 and no data."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tiaocan as tc
from tiaocan.cli import main
from tiaocan.dashboard.hosts import host_of, hosts_for
from tiaocan.errors import ConfigError

LOOPBACK_V6 = ["[::1]", "[::1]:8080", "::1", "[0:0:0:0:0:0:0:1]:80", "[::1]:1"]
FOREIGN = ["evil.example", "evil.example:8080", "[::2]:8080", "[fe80::1]", "127.0.0.2",
           "[::1]:x", "[::1", "::1]", "[::1]8080", "", "localhost.evil.example", "[::ffff:1.2.3.4]"]


@pytest.fixture(scope="module")
def client_for(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from tiaocan.dashboard.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('hosts') / 'h.db'}"
    tc.create_study("secret-study", space=tc.Space(x=tc.Float(0, 1)), storage=url)

    def client(bind: str, extra: tuple[str, ...] = ()) -> TestClient:
        return TestClient(create_app(url, prefetch=False, allowed_hosts=hosts_for(bind, extra)))
    return client


def _status(client, host: str) -> tuple[int, str]:
    response = client.get("/api/studies", headers={"host": host})
    return response.status_code, response.text


@pytest.mark.parametrize("bind", ["::1", "[::1]", "127.0.0.1", "localhost"])
def test_a_loopback_bind_answers_every_spelling_of_loopback(client_for, bind: str) -> None:
    with client_for(bind) as client:
        for host in [*LOOPBACK_V6, "127.0.0.1:8080", "localhost", "LOCALHOST:1"]:
            assert _status(client, host)[0] == 200, host
        for host in FOREIGN:
            code, text = _status(client, host)
            assert code == 400 and "secret-study" not in text, host


def test_an_ipv6_bind_answers_its_address_only(client_for) -> None:
    with client_for("2001:db8::5", ("tuning.lan", "[fe80::1]")) as client:
        for host in ["[2001:db8::5]:8080", "[2001:DB8:0::5]", "tuning.lan:80", "[fe80::1]:9"]:
            assert _status(client, host)[0] == 200, host
        for host in ["[::1]:8080", "localhost", "[2001:db8::6]", "127.0.0.1", "2001:db8::5:8080"]:
            assert _status(client, host)[0] == 400, host


@pytest.mark.parametrize("bad", ["[::1", "a b", "http://x/", "::zz", "host:port"])
def test_malformed_host_options_are_one_clear_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="--host"):
        hosts_for(bad)
    with pytest.raises(ConfigError, match="--allow-host"):
        hosts_for("127.0.0.1", [bad])


def test_the_command_refuses_a_malformed_host_in_one_line(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    tc.create_study("s", space=tc.Space(x=tc.Float(0, 1)), storage=url)
    assert main(["dashboard", "--storage", url, "--host", "[::1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tiaocan: error: --host"), err


octet = st.integers(0, 255)
hosts = st.one_of(
    st.builds(lambda a, b: f"10.0.{a}.{b}", octet, octet),
    st.builds(lambda a: f"[2001:db8::{a:x}]", st.integers(0, 0xffff)),
    st.builds(lambda a: f"h{a}.lan", st.integers(0, 50)))
ports = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))


@settings(max_examples=50, deadline=None)
@given(bound=hosts, asked=hosts, port=ports)
def test_a_host_is_answered_exactly_when_it_names_the_bound_address(
        bound: str, asked: str, port: str) -> None:
    allowed = hosts_for(bound)
    assert (host_of(asked + port) in allowed) == (host_of(asked) == host_of(bound))
