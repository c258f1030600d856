"""Which ``Host`` headers the dashboard answers: the address it binds, and names for it.

A browser page from another site can resolve its own name to 127.0.0.1 (DNS rebinding) and
then read a local dashboard; it cannot make the browser send ``Host: 127.0.0.1``. So the
dashboard answers only requests that name the address it binds (or a name of this machine
when it binds every interface), plus the hosts given with ``--allow-host``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

__all__ = ["hosts_for"]

_LOOPBACK = ["127.0.0.1", "localhost", "::1", "[::1]"]


def hosts_for(bind: str, extra: Iterable[str] = ()) -> list[str]:
    """The Host names accepted for a dashboard bound to ``bind``.

    >>> hosts_for("127.0.0.1", ["tuning.lan"])
    ['127.0.0.1', 'localhost', '::1', '[::1]', 'tuning.lan']
    """
    hosts: list[str] = []
    if bind in ("127.0.0.1", "localhost", "::1"):
        hosts += _LOOPBACK
    elif bind in ("0.0.0.0", "::", ""):  # every interface: this machine's own names
        hosts += _LOOPBACK + _machine_names()
    else:
        hosts.append(bind)
    hosts += [h.strip() for h in extra if h.strip()]
    return list(dict.fromkeys(hosts))


def _machine_names() -> list[str]:
    names = [socket.gethostname(), socket.getfqdn()]
    try:
        names += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    return names
