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

__all__ = ["environment", "environment_id", "git_state", "KEY_PACKAGES"]

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
