"""``tiaocan worker`` joins a study from any machine; ``tiaocan stop`` ends it everywhere.

.. code-block:: console

    $ tiaocan worker --storage postgresql://host/db --study svm --objective train:objective \\
          --n-trials 200            # the first worker stores the budget; others just join
    $ tiaocan worker --storage postgresql://host/db --study svm     # on another machine
    $ tiaocan stop --storage postgresql://host/db svm               # every worker leaves

The objective (``module:function``, imported with the current folder first on ``sys.path``)
and the budget are stored with the study, so later workers need only the storage and the
name. A worker runs until the shared budget is spent (``n_trials`` configurations, retries
not counted, or the deadline) or the study is stopped; Ctrl-C leaves none of its trials
RUNNING (they are queued to run first on resume).
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from tiaocan.cli import positive_float, positive_int

    p = sub.add_parser("worker", parents=[common], help="join a study and run its trials")
    p.add_argument("--study", required=True, help="the study's name")
    p.add_argument("--objective", help="module:function (stored with the study when given)")
    p.add_argument("--n-trials", type=positive_int, help="store the study's shared budget of configurations")
    p.add_argument("--timeout", type=positive_float, help="store the study's shared deadline, in seconds from now")
    p.set_defaults(func=cmd_worker)
    s = sub.add_parser("stop", parents=[common], help="stop every worker of a study after its trial")
    s.add_argument("study")
    s.set_defaults(func=cmd_stop)


def cmd_worker(args: argparse.Namespace) -> int:
    from tiaocan import budget, loop
    from tiaocan.cli import UserError
    from tiaocan.cli.run import load_objective
    from tiaocan.executors import InlineExecutor
    from tiaocan.storage import get_storage
    from tiaocan.study import load_study

    study = load_study(args.study, storage=get_storage(args.storage, must_exist=True))
    ref = args.objective or study.attrs.get("objective")
    if ref is None:
        raise UserError(f"study {study.name!r} has no stored objective: pass --objective "
                        "module:function (it is stored for the next workers)")
    objective = load_objective(ref, "--objective")
    if args.objective and study.attrs.get("objective") != args.objective:
        study.storage.set_study_attrs(study.study_id, {"objective": args.objective})
    if args.n_trials is not None or args.timeout is not None:
        budget.set_budget(study, n_trials=args.n_trials, timeout=args.timeout)
    elif study.attrs.get("stopped"):
        raise UserError(f"study {study.name!r} was stopped; give --n-trials or --timeout to "
                        "start it again with a new budget")
    loop.run_worker(study, objective, _Unlimited(), None, InlineExecutor())
    done = sum(t.state.is_finished for t in study.trials)
    print(f"study {study.name!r}: {done} finished trials; this worker leaves")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from tiaocan import budget
    from tiaocan.storage import get_storage
    from tiaocan.study import load_study

    study = load_study(args.study, storage=get_storage(args.storage, must_exist=True))
    budget.stop(study)
    print(f"study {study.name!r} stopped: its workers leave after their running trial")
    return 0


class _Unlimited:
    """No local limit: the study's shared budget decides."""

    def take(self) -> bool:
        return True

    def give_back(self) -> None:
        pass
