"""Export a trial's architecture and trained weights; load them back as a plain model.

``export(trial, path, model)`` writes a folder with ``architecture.json`` (the builder,
the trial's parameters, the genotype of a cell, the build options, the trial's values and
hardware measurements) and ``weights.pt`` (the ``state_dict``, loadable with
``torch.load(..., weights_only=True)``: tensors only, no pickled code). Loading needs only
the build function and torch, no study, storage or sampler::

    spec = json.load(open("model/architecture.json"))
    model = tiaocan.nas.cell.build(spec["params"], **spec["options"])
    model.load_state_dict(torch.load("model/weights.pt", weights_only=True))

which is what :func:`load` does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tiaocan.errors import ConfigError, require

__all__ = ["FORMAT", "export", "load"]

FORMAT = "tiaocan.nas.export/1"
ARCHITECTURE = "architecture.json"
WEIGHTS = "weights.pt"
# Stored data names a builder; it never names code to import.
_BUILDERS = {"cell": "tiaocan.nas.cell", "macro": "tiaocan.nas.macro"}


def export(trial: Any, path: str | Path, model: Any) -> Path:
    """Write ``trial``'s architecture and ``model``'s weights to the folder ``path``.

    Args:
        trial: a ``Trial`` or ``FrozenTrial`` whose parameters built ``model``.
        path: the folder (created; existing export files are replaced).
        model: the trained module, made by ``tiaocan.nas.build`` or ``build_macro`` (it
            carries the ``build_spec`` that says how to rebuild it).

    Raises:
        ConfigError: a model not built by tiaocan's build functions, or one whose
            architecture differs from the trial's parameters.
    """
    torch = require("torch", "nas", "tc.nas.export")
    spec = getattr(model, "build_spec", None)
    if not isinstance(spec, dict) or spec.get("builder") not in _BUILDERS:
        raise ConfigError(f"export needs a model made by tc.nas.build or tc.nas.build_macro "
                          f"(it carries build_spec), received {type(model).__name__}")
    params = dict(trial.params)
    differing = sorted(k for k, v in spec["params"].items() if params.get(k, v) != v)
    if differing:
        raise ConfigError(f"export: the model's architecture differs from trial "
                          f"{trial.number}'s parameters in {differing}")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    user_attrs = dict(getattr(trial, "user_attrs", {}) or {})
    document = {
        "format": FORMAT, "builder": spec["builder"], "params": params,
        "options": spec["options"], "genotype": _genotype(spec),
        "trial": {"number": trial.number, "values": _values(trial),
                  "hardware": {k: v for k, v in user_attrs.items() if k.startswith("hw_")}},
    }
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(state, folder / WEIGHTS)
    (folder / ARCHITECTURE).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    return folder


def load(path: str | Path, *, map_location: str = "cpu") -> Any:
    """The model of an export folder, in eval mode, with its weights.

    Raises:
        ConfigError: a folder without an export, another format, or an unknown builder.
    """
    torch = require("torch", "nas", "tc.nas.load")
    import importlib

    folder = Path(path)
    try:
        document = json.loads((folder / ARCHITECTURE).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{folder} holds no readable {ARCHITECTURE} (written by "
                          f"tc.nas.export): {exc}") from None
    if document.get("format") != FORMAT or document.get("builder") not in _BUILDERS:
        raise ConfigError(f"{folder / ARCHITECTURE}: format must be {FORMAT!r} with a builder in "
                          f"{sorted(_BUILDERS)}, found format {document.get('format')!r}, "
                          f"builder {document.get('builder')!r}")
    build = importlib.import_module(_BUILDERS[document["builder"]]).build
    model = build(document["params"], **document["options"])
    model.load_state_dict(torch.load(folder / WEIGHTS, map_location=map_location, weights_only=True))
    return model.eval()


def _genotype(spec: dict[str, Any]) -> str | None:
    if spec["builder"] != "cell":
        return None
    from tiaocan.nas.cell import genotype

    return genotype(spec["params"])


def _values(trial: Any) -> list[float] | None:
    values = getattr(trial, "values", None)
    return list(values) if values is not None else None
