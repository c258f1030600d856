"""``tiaocan run SPEC.yaml``: a study described in YAML.

.. code-block:: yaml

    objective: mypackage.train:objective   # module:function, found from the spec's folder
    study: svm-digits
    storage: sqlite:///tiaocan.db          # --storage overrides
    sampler: sobol
    direction: maximize
    seed: 0
    # scheduler: hyperband                 # with a fidelity: {name: epoch, low: 1, high: 27}
    n_trials: 40
    n_workers: 2
    space:
      C: {type: float, low: 1.0e-3, high: 1.0e3, log: true}
      kernel: {type: categorical, choices: [rbf, poly]}
      degree: {type: int, low: 2, high: 5, when: {kernel: poly}}
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path
from typing import Any

from tiaocan.cli import UserError
from tiaocan.fidelity import Fidelity
from tiaocan.space import Space
from tiaocan.errors import ConfigError
from tiaocan.storage import DEFAULT_STORAGE, shown_url
from tiaocan.study import create_study
from tiaocan.trial import TrialState

_KEYS = {"objective", "study", "storage", "sampler", "scheduler", "direction", "directions", "seed",
         "n_trials", "n_workers", "timeout", "space", "max_retries", "fidelity"}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from tiaocan.cli import positive_int

    p = sub.add_parser("run", parents=[common], help="run a study described in a YAML file")
    p.add_argument("spec", help="the YAML file")
    p.add_argument("--n-trials", type=positive_int, help="override n_trials")
    p.add_argument("--n-workers", type=positive_int, help="override n_workers")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run, storage=None)


def load_spec(path: str) -> dict[str, Any]:
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            spec = yaml.safe_load(f)
    except FileNotFoundError:
        raise UserError(f"spec file {path!r} not found") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(spec, dict):
        raise UserError(f"{path}: expected a mapping at the top level, found {type(spec).__name__}")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise UserError(f"{path}: unknown key(s) {unknown}; accepted: {sorted(_KEYS)}")
    for key in ("objective", "space"):
        if key not in spec:
            raise UserError(f"{path}: the key {key!r} is required")
    if "direction" in spec and "directions" in spec:
        raise UserError(f"{path}: give either direction (one objective) or directions (a list, "
                        "one per objective), not both")
    if "directions" in spec and not isinstance(spec["directions"], list):
        raise UserError(f"{path}: directions must be a list such as [minimize, maximize], "
                        f"received {spec['directions']!r:.80}; for one objective write "
                        "direction: minimize")
    return spec


def space_from_spec(raw: Any, path: str) -> Space:
    if not isinstance(raw, dict) or not raw:
        raise UserError(f"{path}: 'space' must map parameter names to definitions")
    params = []
    for name, item in raw.items():
        if not isinstance(item, dict) or "type" not in item:
            raise UserError(f"{path}: parameter {name!r} needs a mapping with a 'type' "
                            "(float, int or categorical)")
        item = dict(item)
        for key in ("low", "high", "step"):
            if isinstance(item.get(key), str):  # YAML 1.1 reads 1e-5 as a string
                try:
                    item[key] = float(item[key])
                except ValueError:
                    raise UserError(f"{path}: parameter {name!r}: {key} must be a number, "
                                    f"received {item[key]!r}") from None
        params.append({"name": name, **item})
    try:
        return Space.from_json({"params": params})
    except ConfigError as exc:
        raise UserError(f"{path}: {exc}") from None


def load_objective(ref: Any, spec_path: str) -> Any:
    if not isinstance(ref, str) or ":" not in ref:
        raise UserError(f"{spec_path}: objective must be 'module:function', received {ref!r}")
    module_name, _, func = ref.partition(":")
    for folder in (str(Path(spec_path).resolve().parent), str(Path.cwd())):
        if folder not in sys.path:  # said aloud: a file there can shadow an installed module
            print(f"tiaocan: importing {module_name!r} with {folder} first on sys.path",
                  file=sys.stderr)
            sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UserError(f"{spec_path}: cannot import {module_name!r}: {exc}") from None
    except SyntaxError as exc:
        raise UserError(f"{spec_path}: {module_name!r} has a syntax error: {exc.msg} "
                        f"({exc.filename}, line {exc.lineno})") from None
    except Exception as exc:  # the module's own code failed while importing
        raise UserError(f"{spec_path}: importing {module_name!r} failed: "
                        f"{type(exc).__name__}: {str(exc)[:300]}") from None
    obj = getattr(module, func, None)
    if not callable(obj):
        raise UserError(f"{spec_path}: {module_name!r} has no function {func!r}")
    return obj


def fidelity_from_spec(raw: Any, path: str) -> Fidelity | None:
    """``fidelity: {name: epoch, low: 1, high: 81}`` (None when the spec has none)."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"name", "low", "high"}:
        raise UserError(f"{path}: fidelity must be a mapping with name, low and high, e.g. "
                        f"{{name: epoch, low: 1, high: 81}}; received {raw!r}")
    return Fidelity(raw["name"], raw["low"], raw["high"])


def check_budget(spec: dict[str, Any], path: str) -> None:
    """n_trials, n_workers and timeout checked before the study is created: a refused spec
    stores nothing."""
    for key in ("n_trials", "n_workers"):
        value = spec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise UserError(f"{path}: {key} must be a positive int, received {value!r:.80}")
    value = spec.get("timeout")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not 0 < value < float("inf")):
        raise UserError(f"{path}: timeout must be a positive number of seconds, received "
                        f"{value!r:.80}")


def cmd_run(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    space = space_from_spec(spec["space"], args.spec)
    check_budget(spec, args.spec)
    objective = load_objective(spec["objective"], args.spec)
    storage = args.storage or spec.get("storage") or DEFAULT_STORAGE
    study = create_study(
        spec.get("study") or Path(args.spec).stem, space=space, storage=storage,
        sampler=spec.get("sampler"), scheduler=spec.get("scheduler"),
        direction=spec.get("direction"), directions=spec.get("directions"),
        seed=spec.get("seed"), load_if_exists=True, max_retries=spec.get("max_retries", 0),
        fidelity=fidelity_from_spec(spec.get("fidelity"), args.spec),
    )
    n_trials = args.n_trials or spec.get("n_trials")
    # optimize's first record (what proposes, and auto's reason) is shown with the warnings
    own = logging.getLogger("tiaocan")
    level = own.level
    own.setLevel(logging.INFO)
    try:
        study.optimize(objective, n_trials=n_trials, timeout=spec.get("timeout"),
                       n_workers=args.n_workers or spec.get("n_workers", 1),
                       show_progress=False if args.no_progress else None)
    finally:
        own.setLevel(level)
    if not study.get_trials([TrialState.COMPLETE]):
        # The run happened (its failed trials are stored, each with its error), so this is not
        # a usage mistake (exit 2): exit 1, like a command whose work failed.
        failed = study.get_trials([TrialState.FAILED])
        error = failed[0].error.strip() if failed and failed[0].error else ""
        first = f"; the first: {error.splitlines()[-1]:.200}" if error else ""
        print(f"tiaocan: study {study.name!r} in {shown_url(storage)}: no trial completed "
              f"({len(failed)} failed{first}); `tiaocan trials {study.name}` lists them",
              file=sys.stderr)
        return 1
    if len(study.directions) == 1:
        best = study.best_trial
        print(f"study {study.name!r} in {shown_url(storage)}: best value {best.value:.6g} (trial {best.number})")
        for k, v in best.params.items():
            print(f"  {k} = {v!r}")
    else:
        print(f"study {study.name!r}: {len(study.best_trials)} trials on the Pareto front")
    return 0
