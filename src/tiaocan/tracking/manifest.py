"""The run manifest: what is needed to repeat a run (versions, code revision, hardware).

Collected without importing heavy packages: versions come from installed metadata, the GPU
from ``nvidia-smi`` when it exists.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["KEY_PACKAGES", "compare", "environment", "environment_id", "git_state"]

KEY_PACKAGES = (
    "tiaocan", "numpy", "scipy", "sqlalchemy", "scikit-learn", "torch", "cmaes", "pandas",
    "psycopg", "plotly", "dask",
)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _run(args: list[str], cwd: str | None = None) -> str | None:
    try:
        out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=5, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def git_state(path: str | os.PathLike[str] | None = None) -> dict[str, Any] | None:
    """Revision, branch and dirty flag of the git work tree holding ``path`` (None outside git)."""
    if shutil.which("git") is None:
        return None
    cwd = str(Path(path or os.getcwd()).resolve())
    if os.path.isfile(cwd):
        cwd = os.path.dirname(cwd)
    revision = _run(["git", "rev-parse", "HEAD"], cwd)
    if not revision:
        return None
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], cwd)
    return {
        "revision": revision,
        "branch": _run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd),
        "dirty": bool(status),
        "root": _run(["git", "rev-parse", "--show-toplevel"], cwd),
    }


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpus() -> list[str]:
    if shutil.which("nvidia-smi") is None:
        return []
    out = _run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"])
    return [line.strip() for line in (out or "").splitlines() if line.strip()]


@functools.lru_cache(maxsize=1)
def _static_environment() -> str:
    main = sys.modules.get("__main__")
    code_path = getattr(main, "__file__", None)
    env = {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "cpu": _cpu(),
        "cpu_count": os.cpu_count(),
        "gpus": _gpus(),
        "packages": {p: v for p in KEY_PACKAGES if (v := _version(p)) is not None},
        "git": git_state(code_path),
        "main": os.path.abspath(code_path) if code_path else None,
        "argv": list(sys.argv),
    }
    return json.dumps(env, sort_keys=True)


def environment() -> dict[str, Any]:
    """This process's environment: Python, packages, git state of the user's code, hardware."""
    return dict(json.loads(_static_environment()))


def environment_id(env: dict[str, Any] | None = None) -> str:
    """A short stable id of an environment (trials store the id; the study stores the whole)."""
    payload = json.dumps(env if env is not None else environment(), sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()[:12]


def compare(recorded: dict[str, Any], current: dict[str, Any] | None = None) -> list[str]:
    """One line per difference between a recorded environment and this one (or ``current``).

    >>> git = {"revision": "abc", "dirty": False}
    >>> compare({"python": "3.10.1", "packages": {"numpy": "1.0"}, "git": git},
    ...         {"python": "3.11.7", "packages": {}, "git": git})
    ['python: recorded 3.10.1, now 3.11.7', 'package numpy: recorded 1.0, now not installed']
    """
    if current is None:
        now = environment()
        # the code to compare is the recorded program's work tree, not this process's
        main = recorded.get("main")
        now["git"] = git_state(main) if main and os.path.exists(main) else None
    else:
        now = current
    out = []
    for key in ("python", "implementation", "platform", "cpu", "cpu_count", "gpus"):
        if key in recorded and recorded.get(key) != now.get(key):
            out.append(f"{key}: recorded {_show(recorded.get(key))}, now {_show(now.get(key))}")
    old_pkgs, new_pkgs = recorded.get("packages") or {}, now.get("packages") or {}
    for name in sorted(set(old_pkgs) | set(new_pkgs)):
        if old_pkgs.get(name) != new_pkgs.get(name):
            out.append(f"package {name}: recorded {old_pkgs.get(name) or 'not installed'}, "
                       f"now {new_pkgs.get(name) or 'not installed'}")
    old_git, new_git = recorded.get("git") or {}, now.get("git") or {}
    if not old_git:
        out.append("code revision: not recorded (the program did not run from a git work tree)")
    elif old_git.get("revision") != new_git.get("revision"):
        out.append(f"code revision: recorded {old_git.get('revision') or 'unknown'}, "
                   f"now {new_git.get('revision') or 'unknown'}")
    if old_git.get("dirty"):
        out.append("code: the recorded work tree had uncommitted changes (not reproducible exactly)")
    return out


def _show(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(map(str, v)) or "none"
    return str(v)
