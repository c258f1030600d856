"""``tiaocan dashboard``: serve the read-only web dashboard of a storage."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from tiaocan.cli import port

    p = sub.add_parser("dashboard", parents=[common], help="serve the web dashboard (read-only)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=port, default=8080, help="port (default 8080)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer requests addressed to NAME (a DNS name of this machine, "
                        "a proxy's name); by default only the bound address is answered")
    p.set_defaults(func=cmd_dashboard)


def cmd_dashboard(args: argparse.Namespace) -> int:
    from tiaocan.dashboard import serve
    from tiaocan.dashboard.hosts import hosts_for
    from tiaocan.storage import get_storage, shown_url

    storage = get_storage(args.storage, must_exist=True)  # never creates a database
    hosts_for(args.host, args.allow_host)  # a malformed --host/--allow-host: one line, before binding
    bound = args.host.strip().strip("[]")
    shown = f"[{bound}]" if ":" in bound else bound  # an IPv6 address in a URL has brackets
    print(f"tiaocan dashboard of {shown_url(args.storage)} on http://{shown}:{args.port}/ "
          "(Ctrl-C stops)")
    serve(storage, host=args.host, port=args.port, allow_hosts=tuple(args.allow_host))
    return 0
