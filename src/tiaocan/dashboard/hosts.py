"""Which ``Host`` headers the dashboard answers: the address it binds, and names for it.

A browser page from another site can resolve its own name to 127.0.0.1 (DNS rebinding) and
then read a local dashboard; it cannot make the browser send ``Host: 127.0.0.1``. So the
dashboard answers only requests that name the address it binds (or a name of this machine
when it binds every interface), plus the hosts given with ``--allow-host``.

Hosts are compared in one form (:func:`host_of`): lowercase, without the port, IPv6 addresses
without brackets and compressed, so ``[::1]:8080``, ``[0:0::1]`` and ``::1`` are one host.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

from tiaocan.errors import ConfigError

__all__ = ["HostCheck", "host_of", "hosts_for"]

_LOOPBACK = ["127.0.0.1", "localhost", "::1"]


def host_of(text: str) -> str | None:
    """The host a ``Host`` header (or a bind address) names, in the compared form; None if malformed.

    >>> [host_of(h) for h in ["LocalHost:8080", "[::1]:8080", "::1", "[0:0::1]", "[::1", "a:b"]]
    ['localhost', '::1', '::1', '::1', None, None]
    """
    text = text.strip().lower()
    if text.startswith("["):  # [IPv6] or [IPv6]:port
        inside, bracket, port = text[1:].partition("]")
        if not bracket or (port and not (port.startswith(":") and port[1:].isdigit())):
            return None
        return _ipv6(inside)
    if text.count(":") > 1:  # a bare IPv6 address, which cannot carry a port
        return _ipv6(text)
    name, colon, port = text.partition(":")
    if not name or (colon and not port.isdigit()) or any(c in name for c in "/\\@ "):
        return None
    return name


def _ipv6(text: str) -> str | None:
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        return None


def hosts_for(bind: str, extra: Iterable[str] = ()) -> list[str]:
    """The hosts (in :func:`host_of`'s form) answered by a dashboard bound to ``bind``.

    >>> hosts_for("127.0.0.1", ["tuning.lan"])
    ['127.0.0.1', 'localhost', '::1', 'tuning.lan']
    """
    address = host_of(bind) if bind.strip() else ""
    if address is None:
        raise ConfigError(f"--host must be an address to bind (127.0.0.1, ::1, [::1], 0.0.0.0, "
                          f"a name of this machine), received {bind!r}")
    hosts: list[str] = []
    if address in ("127.0.0.1", "localhost", "::1"):
        hosts += _LOOPBACK
    elif address in ("0.0.0.0", "::", ""):  # every interface: this machine's own names
        hosts += _LOOPBACK + _machine_names()
    else:
        hosts.append(address)
    for name in extra:
        allowed = host_of(name)
        if allowed is None:
            raise ConfigError(f"--allow-host must be a host name or address (tuning.lan, "
                              f"10.0.0.5, [fe80::1]), received {name!r}")
        hosts.append(allowed)
    return list(dict.fromkeys(hosts))


def _machine_names() -> list[str]:
    names = [socket.gethostname(), socket.getfqdn()]
    try:
        names += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    return [h for h in (host_of(n) for n in names) if h]


class HostCheck:
    """ASGI middleware: a request whose ``Host`` is not one of ``allowed`` gets 400."""

    def __init__(self, app: Any, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(allowed)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            header = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if host_of(header) not in self.allowed:
                from starlette.responses import PlainTextResponse

                await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)
