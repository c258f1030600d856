"""Differentiable architecture search over a cell space, with a guard against collapse.

References:
    Liu, Simonyan, Yang (2019). DARTS: Differentiable Architecture Search. ICLR. A weight
    α_(i,j) per op and edge; an edge outputs Σ_o softmax(α)_o · o(x) (eq. 2); w is trained on
    one half of the data and α on the other (bilevel problem, eq. 3-4), α's gradient taken at
    w (first order) or at the unrolled w' = w − ξ∇_w L_train (second order, eq. 6-8, with the
    finite-difference Hessian-vector product of eq. 8); each edge keeps its strongest op
    other than ``none``.
    Chu, Wang, Zhang, Li, Zhang, Yan (2021). DARTS-: Robustly Stepping out of Performance
    Collapse Without Indicators. ICLR. Published DARTS drifts to parameter-free ops (skip
    connections) because a skip makes the supernet easy to train, not because it makes a
    good cell (NAS-Bench-201 CIFAR-10: 54 % against 94 %). DARTS- adds an *auxiliary* skip
    β·x beside every edge, outside the softmax, with β decaying linearly from 1 to 0 over the
    search: the skip's training advantage goes to β, and α is left to rank the ops on merit.

``guard="darts-"`` (the default) is that auxiliary skip; ``guard="none"`` is published DARTS.
The search is one trial: its learning curve is the supernet's validation accuracy per epoch,
the α trajectories (softmax per edge and op, one point per epoch) are the user attribute
``alpha_curves`` (the dashboard's trial page draws them, one line per edge and op), the cell
found is ``genotype`` (and ``params``), and ``parameter_free_ops`` counts the edges that chose
an op without weights. Each epoch writes a checkpoint: a run stopped with Ctrl-C and started
again with the same storage and name resumes from it.

>>> import tiaocan as tc
>>> trial = darts_search(tc.nas.cell_space(3, ["none", "skip_connect", "conv_3x3"]),
...                      epochs=1, channels=4, n_cells=1, seed=0)
>>> sorted(trial.user_attrs["params"])
['edge_0_1', 'edge_0_2', 'edge_1_2']
"""

from __future__ import annotations

import math
from typing import Any

from tiaocan.errors import ConfigError, check_int, require
from tiaocan.nas._training import Split, batches, digits_split, resolve_device

__all__ = ["DARTS", "GUARDS", "darts_search"]

#: "darts-": auxiliary skip with decaying β (Chu et al. 2021); "none": published DARTS.
GUARDS = ("darts-", "none")


class DARTS:
    """A DARTS search as an objective: ``study.optimize(DARTS(space), n_trials=1)``.

    Args:
        space: a cell space (:func:`tiaocan.nas.cell_space`).
        split: the data (default: 8×8 digits); w trains on ``x_train``, α on ``x_valid``.
        epochs: passes over the training half.
        order: 1 (α's gradient at w) or 2 (at the unrolled w', eq. 7).
        guard: ``"darts-"`` (default) or ``"none"`` (published DARTS). A trial parameter
            ``guard`` or ``order`` overrides the option, so one study can compare them.
        channels, n_cells: the supernet's width and number of stacked cells.
        lr, arch_lr: learning rates of w (SGD, momentum 0.9, cosine) and α (Adam, β=(0.5,
            0.999) as in the paper, with ``arch_weight_decay`` decoupled as in AdamW: the
            paper's L2 term, rescaled by Adam once the validation loss is fitted, pulls α
            back to uniform late in a search on small data). ``arch_lr`` defaults to 3e-3,
            ten times the paper's, as a small data set gives ten times fewer α steps per epoch.
        warmup: epochs that train only w before α moves (DARTS-PT and PC-DARTS warm up so;
            0 by default: on the digits table it let skip connections win more edges).
        device: ``"cpu"`` or ``"cuda"``.
    """

    def __init__(self, space: Any, split: Split | None = None, *, epochs: int = 15, order: int = 1,
                 guard: str = "darts-", channels: int = 16, n_cells: int = 2, batch_size: int = 64,
                 lr: float = 0.05, arch_lr: float = 3e-3, weight_decay: float = 3e-4,
                 arch_weight_decay: float = 1e-3, warmup: int = 0, device: str = "cpu") -> None:
        from tiaocan.nas._mixed import cell_space_ops

        self.n_nodes, self.ops = cell_space_ops(space, "DARTS")
        if all(op == "none" for op in self.ops):
            raise ConfigError(f"DARTS needs an op other than 'none', received ops {list(self.ops)}")
        self.space, self.split = space, split
        self.epochs = check_int("epochs", epochs, 1)
        self.order, self.guard = _check_order(order, self.ops), _check_guard(guard)
        self.channels, self.n_cells = check_int("channels", channels, 1), check_int("n_cells", n_cells, 1)
        self.batch_size = check_int("batch_size", batch_size, 1)
        self.lr, self.arch_lr = lr, arch_lr
        self.weight_decay, self.arch_weight_decay = weight_decay, arch_weight_decay
        self.warmup = check_int("warmup", warmup, 0)
        if self.warmup >= self.epochs:
            raise ConfigError(f"warmup must be below epochs={self.epochs} (α needs epochs to move), "
                              f"received {warmup!r}")
        self.device = resolve_device(device)

    def __call__(self, trial: Any) -> float:
        from tiaocan.nas._darts_steps import Search

        order = _check_order(trial.params.get("order", self.order), self.ops)
        guard = _check_guard(trial.params.get("guard", self.guard))
        search = Search(self, order=order, guard=guard, seed=trial.seed,
                        split=self.split or digits_split(0))
        state = _resume_state(trial)
        if state is not None:
            search.load(state)
            for epoch, value in enumerate(search.valid_curve, start=1):
                trial.report(value, step=epoch)  # the curve so far, on the resumed trial
        while search.epoch < self.epochs:
            value = search.run_epoch()
            trial.report(value, step=search.epoch)
            trial.save_checkpoint(search.state())
        for key, value in search.summary().items():
            trial.set_user_attr(key, value)
        return search.valid_curve[-1]


def _check_order(order: Any, ops: tuple[str, ...]) -> int:
    from tiaocan.nas.ops import is_parametric

    if order not in (1, 2) or isinstance(order, bool):
        raise ConfigError(f"order must be 1 (first-order DARTS) or 2 (second order), received {order!r}")
    if order == 2 and not any(is_parametric(op) for op in ops):
        raise ConfigError(f"second-order DARTS (order=2) differentiates through the ops' weights; "
                          f"the ops {list(ops)} have none (add a parametric op such as 'conv_3x3', "
                          f"or use order=1)")
    return int(order)


def _check_guard(guard: Any) -> str:
    if guard not in GUARDS:
        raise ConfigError(f"guard must be one of {GUARDS} ('darts-': auxiliary skip with decaying "
                          f"β, Chu et al. 2021; 'none': published DARTS), received {guard!r}")
    return str(guard)


def _resume_state(trial: Any) -> Any:
    """The trial's checkpoint, or the one of the run it retries (a Ctrl-C queues a retry)."""
    state = trial.load_checkpoint()
    root = trial.record.system_attrs.get("retry_of")
    if state is not None or root is None:
        return state
    from tiaocan.checkpoint import list_checkpoints

    found = list_checkpoints(trial._runtime.study, int(root))
    if not found:
        return None
    torch = require("torch", "nas", "DARTS")
    return torch.load(found[-1][1], weights_only=True)


def darts_search(space: Any, split: Split | None = None, *, guard: str = "darts-", order: int = 1,
                 seed: int = 0, storage: Any = ":memory:", name: str | None = None,
                 **options: Any) -> Any:
    """Run one DARTS search as a study of one trial and return that trial (resumes a study of
    the same ``name`` that was interrupted). ``options`` go to :class:`DARTS`."""
    import tiaocan as tc

    objective = DARTS(space, split, guard=guard, order=order, **options)
    study = tc.create_study(name, space=tc.Space(guard=tc.Categorical(list(GUARDS)),
                                                 order=tc.Categorical([1, 2])),
                            storage=storage, direction="maximize", seed=seed,
                            load_if_exists=name is not None)
    if study.get_trials([tc.TrialState.WAITING]):
        # the retry an interrupted run queued: run just it (it resumes from the checkpoint)
        from tiaocan import loop

        record = loop.ask(study)
        if record is not None:
            loop.run_trial(study, objective, record)
    else:
        study.enqueue({"guard": guard, "order": order})
        study.optimize(objective, n_trials=1, show_progress=False)
    done = study.get_trials([tc.TrialState.COMPLETE])
    if not done:
        last = study.trials[-1]
        raise ConfigError(f"the DARTS search failed: {last.error}")
    return done[-1]


def decayed_skip(epoch: int, epochs: int, guard: str) -> float:
    """DARTS-'s β: 1 at the start, linearly to 0 at the end of the search (0 without a guard)."""
    return 0.0 if guard == "none" else max(0.0, 1.0 - epoch / epochs)


def cosine_lr(lr: float, epoch: int, epochs: int, floor: float = 1e-3) -> float:
    """DARTS's cosine schedule of w's learning rate."""
    return floor + 0.5 * (lr - floor) * (1 + math.cos(math.pi * epoch / epochs))
