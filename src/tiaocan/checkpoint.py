"""Trial checkpoints: files under the study's artifact directory, one per budget reached.

A promoted or paused trial resumes from its latest checkpoint instead of starting over, and a
PBT clone starts from its source's checkpoint at the budget it was cloned at (the "exploit"
step of Jaderberg et al., 2017, "Population Based Training of Neural Networks").

Objects holding torch tensors are written with ``torch.save`` and read back with
``torch.load(weights_only=True)``; anything else is written as strict JSON. Pickle is never
used, so a checkpoint cannot run code when it is loaded.

>>> import tiaocan as tc
>>> study = tc.create_study(space=tc.Space(x=tc.Float(0, 1)), storage=":memory:", seed=0)
>>> t = study.ask()
>>> t.load_checkpoint() is None
True
>>> t.save_checkpoint({"epoch": 3})
>>> t.load_checkpoint()
{'epoch': 3}
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tiaocan.errors import ConfigError

if TYPE_CHECKING:
    from tiaocan.study import Study
    from tiaocan.trial import FrozenTrial

__all__ = [
    "checkpoint_dir",
    "delete_checkpoints",
    "list_checkpoints",
    "load_checkpoint",
    "save_checkpoint",
]

_NAME = re.compile(r"^budget=(?P<budget>[^=]+)\.(?P<ext>json|pt)$")


def checkpoint_dir(study: Study, number: int) -> Path:
    """The folder of trial ``number``'s checkpoints."""
    from tiaocan.storage import artifact_root

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", study.name)
    return artifact_root(study.storage) / safe / "checkpoints" / f"trial-{number}"


def save_checkpoint(study: Study, record: FrozenTrial, obj: Any, budget: Any) -> Path:
    """Write ``obj`` as trial ``record``'s checkpoint at ``budget`` (atomically)."""
    folder = checkpoint_dir(study, record.number)
    folder.mkdir(parents=True, exist_ok=True)
    label = "none" if budget is None else repr(float(budget))
    torch_format = _holds_tensor(obj)
    path = folder / f"budget={label}.{'pt' if torch_format else 'json'}"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if torch_format:
        import torch

        torch.save(obj, tmp)
    else:
        try:
            text = json.dumps(obj, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"save_checkpoint: obj must be JSON data or hold torch tensors "
                              f"(a state dict), received {type(obj).__name__}: {exc}") from None
        tmp.write_text(text)
    for stale in folder.glob(f"budget={label}.*"):  # one format per budget
        if stale.suffix in (".pt", ".json") and stale != path:
            stale.unlink()
    os.replace(tmp, path)
    return path


def list_checkpoints(study: Study, number: int) -> list[tuple[float, Path]]:
    """Trial ``number``'s checkpoints as (budget, path), smallest budget first."""
    folder = checkpoint_dir(study, number)
    found = []
    for path in folder.glob("budget=*") if folder.is_dir() else ():
        match = _NAME.match(path.name)
        if match:
            raw = match.group("budget")
            found.append((-math.inf if raw == "none" else float(raw), path))
    return sorted(found)


def load_checkpoint(study: Study, record: FrozenTrial) -> Any:
    """The trial's latest checkpoint; for a clone without its own, the source's checkpoint
    at the budget it was cloned at; None when there is none."""
    own = list_checkpoints(study, record.number)
    if own:
        return _read(own[-1][1])
    source = record.system_attrs.get("cloned_from")
    if source is None:
        return None
    job = record.system_attrs.get("job") or {}
    limit = job.get("source_budget")
    theirs = [(b, p) for b, p in list_checkpoints(study, int(source))
              if limit is None or b <= float(limit) * (1 + 1e-9)]
    return _read(theirs[-1][1]) if theirs else None


def delete_checkpoints(study: Study, number: int) -> None:
    """Remove trial ``number``'s checkpoints (e.g. after a trial was stopped for good)."""
    shutil.rmtree(checkpoint_dir(study, number), ignore_errors=True)


def _read(path: Path) -> Any:
    if path.suffix == ".json":
        return json.loads(path.read_text())
    import torch

    return torch.load(path, weights_only=True)


def _holds_tensor(obj: Any, depth: int = 0) -> bool:
    torch = sys.modules.get("torch")
    if torch is None or depth > 20:
        return False
    if isinstance(obj, torch.Tensor):
        return True
    if isinstance(obj, dict):
        return any(_holds_tensor(v, depth + 1) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(_holds_tensor(v, depth + 1) for v in obj)
    return False
