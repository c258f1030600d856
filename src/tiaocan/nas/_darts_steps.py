"""The inner loop of a DARTS search: the supernet, α, the two optimisers and their steps.

Equations refer to Liu, Simonyan, Yang (2019), DARTS, ICLR.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.func import functional_call
from torch.nn import functional as F

from tiaocan.nas._mixed import SearchNetwork
from tiaocan.nas._training import Split, accuracy, batches
from tiaocan.nas.ops import is_parametric

__all__ = ["Search"]


class Search:
    """One DARTS run, epoch by epoch, with its state as a ``weights_only`` checkpoint."""

    def __init__(self, options: Any, *, order: int, guard: str, seed: int, split: Split) -> None:
        from tiaocan.nas.darts import cosine_lr, decayed_skip

        self.o, self.order, self.guard, self.split = options, order, guard, split
        self._cosine, self._skip = cosine_lr, decayed_skip
        self.seed, self.epoch = int(seed), 0
        self.valid_curve: list[float] = []
        self.curves: dict[str, dict[str, list[float]]] = {}
        torch.manual_seed(self.seed)
        dev = options.device
        self.net = SearchNetwork(options.n_nodes, options.ops, channels=options.channels,
                                 n_cells=options.n_cells, n_classes=split.n_classes,
                                 in_channels=split.in_channels).to(dev)
        n_edges = len(self.net.edge_names)
        init = torch.Generator().manual_seed(self.seed)
        # α ~ 1e-3 · N(0, 1), as in the paper's code
        self.alpha = (1e-3 * torch.randn(n_edges, len(options.ops), generator=init)).to(dev)
        self.alpha.requires_grad_(True)
        self.w_opt = torch.optim.SGD(self.net.parameters(), lr=options.lr, momentum=0.9,
                                     weight_decay=options.weight_decay)
        # α's decay is decoupled (AdamW, Loshchilov & Hutter 2019): with Adam's L2 term, once
        # the supernet fits the validation batches the decay is the whole gradient, Adam
        # rescales it to full-size steps, and α drifts back to uniform, leaving the genotype
        # to noise (seen on the digits table: conv_3x3 at 0.6-0.8 mid-search, ~0.3 at the end).
        self.a_opt = torch.optim.AdamW([self.alpha], lr=options.arch_lr, betas=(0.5, 0.999),
                                       weight_decay=options.arch_weight_decay)
        self.generator = torch.Generator().manual_seed(self.seed + 1)

    # One epoch --------------------------------------------------------------------------
    def run_epoch(self) -> float:
        o, dev = self.o, self.o.device
        for group in self.w_opt.param_groups:
            group["lr"] = self._cosine(o.lr, self.epoch, o.epochs)
        skip = self._skip(self.epoch, o.epochs, self.guard)
        self.net.train()  # the validation pass at the end of an epoch left it in eval mode
        xt, yt, xv, yv = self.split.x_train, self.split.y_train, self.split.x_valid, self.split.y_valid
        valid_batches = list(batches(len(yv), o.batch_size, self.generator))
        for k, idx in enumerate(batches(len(yt), o.batch_size, self.generator)):
            vidx = valid_batches[k % len(valid_batches)]
            bt = (xt[idx].to(dev), yt[idx].to(dev))
            bv = (xv[vidx].to(dev), yv[vidx].to(dev))
            if self.epoch >= o.warmup:  # α waits until the weights can tell the ops apart
                self._arch_step(bt, bv, skip)
            self._weight_step(bt, skip)
        self.epoch += 1
        self._record_alpha()
        value = self._valid_accuracy()
        self.valid_curve.append(value)
        return value

    def _loss(self, batch: tuple[Any, Any], skip: float, params: dict[str, Any] | None = None) -> Any:
        weights = F.softmax(self.alpha, dim=-1)
        kwargs = {"weights": weights, "skip_weight": skip}
        if params is None:
            logits = self.net(batch[0], **kwargs)
        else:
            logits = functional_call(self.net, params, (batch[0],), kwargs)
        return F.cross_entropy(logits, batch[1])

    def _weight_step(self, batch: tuple[Any, Any], skip: float) -> None:
        self.w_opt.zero_grad()
        loss = self._loss(batch, skip)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
        self.alpha.grad = None  # α moves only in its own step
        self.w_opt.step()

    def _arch_step(self, train: tuple[Any, Any], valid: tuple[Any, Any], skip: float) -> None:
        self.a_opt.zero_grad()
        if self.order == 1:
            self._loss(valid, skip).backward()  # ∇_α L_val(w, α)
            self.net.zero_grad()
        else:
            self.alpha.grad = self._unrolled_gradient(train, valid, skip)
        self.a_opt.step()

    def _unrolled_gradient(self, train: tuple[Any, Any], valid: tuple[Any, Any], skip: float) -> Any:
        """∇_α L_val(w', α) − ξ ∇²_{α,w} L_train(w, α) ∇_{w'} L_val(w', α)  (eq. 7-8)."""
        xi = self.w_opt.param_groups[0]["lr"]  # ξ = w's learning rate, as in the paper
        names = [n for n, p in self.net.named_parameters()]
        weights = [p for _, p in self.net.named_parameters()]
        buffers = dict(self.net.named_buffers())
        grads = torch.autograd.grad(self._loss(train, skip), weights, allow_unused=True)
        unrolled = {n: (w - xi * g if g is not None else w).detach().requires_grad_(True)
                    for n, w, g in zip(names, weights, grads)}
        val_loss = self._loss(valid, skip, {**unrolled, **buffers})
        d_alpha, *d_w = torch.autograd.grad(val_loss, [self.alpha, *unrolled.values()], allow_unused=True)
        d_w = [g if g is not None else torch.zeros_like(w) for g, w in zip(d_w, weights)]
        eps = 0.01 / (torch.cat([g.flatten() for g in d_w]).norm() + 1e-12)

        def grad_alpha_at(sign: float) -> Any:
            shifted = {n: w.detach() + sign * eps * g for n, w, g in zip(names, weights, d_w)}
            loss = self._loss(train, skip, {**shifted, **buffers})
            return torch.autograd.grad(loss, self.alpha)[0]

        implicit = (grad_alpha_at(1.0) - grad_alpha_at(-1.0)) / (2 * eps)  # eq. 8
        base = d_alpha if d_alpha is not None else torch.zeros_like(self.alpha)
        return (base - xi * implicit).detach()

    def _record_alpha(self) -> None:
        probs = F.softmax(self.alpha.detach(), dim=-1).cpu()
        for e, edge in enumerate(self.net.edge_names):
            for k, op in enumerate(self.o.ops):
                self.curves.setdefault(edge, {}).setdefault(op, []).append(round(float(probs[e, k]), 6))

    def _valid_accuracy(self) -> float:
        weights = F.softmax(self.alpha.detach(), dim=-1)
        skip = self._skip(self.epoch, self.o.epochs, self.guard)

        class Mixed(torch.nn.Module):
            def __init__(self, net: Any) -> None:
                super().__init__()
                self.net = net

            def forward(self, x: Any) -> Any:
                return self.net(x, weights=weights, skip_weight=skip)

        return accuracy(Mixed(self.net), self.split.x_valid, self.split.y_valid, device=self.o.device)

    # Result -----------------------------------------------------------------------------
    def chosen(self) -> dict[str, str]:
        """Each edge's strongest op other than ``none`` (Liu et al. 2019, section 2.4)."""
        ops = self.o.ops
        alpha = self.alpha.detach().cpu()
        params = {}
        for e, edge in enumerate(self.net.edge_names):
            ranked = sorted(range(len(ops)), key=lambda k: (-float(alpha[e, k]), k))
            params[edge] = next(ops[k] for k in ranked if ops[k] != "none")
        return params

    def summary(self) -> dict[str, Any]:
        from tiaocan.nas.cell import genotype

        params = self.chosen()
        return {"genotype": genotype(params), "params": params,
                "parameter_free_ops": sum(not is_parametric(op) for op in params.values()),
                "alpha_curves": self.curves, "guard": self.guard, "order": self.order,
                "search_seed": self.seed}

    # Checkpoint -------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "seed": self.seed, "net": self.net.state_dict(),
                "alpha": self.alpha.detach().cpu(), "w_opt": self.w_opt.state_dict(),
                "a_opt": self.a_opt.state_dict(), "generator": self.generator.get_state(),
                "valid_curve": list(self.valid_curve), "curves": self.curves}

    def load(self, state: dict[str, Any]) -> None:
        if int(state["seed"]) != self.seed:
            self.__init__(self.o, order=self.order, guard=self.guard,  # type: ignore[misc]
                          seed=int(state["seed"]), split=self.split)
        self.epoch = int(state["epoch"])
        self.net.load_state_dict(state["net"])
        with torch.no_grad():
            self.alpha.copy_(state["alpha"].to(self.alpha.device))
        self.w_opt.load_state_dict(state["w_opt"])
        self.a_opt.load_state_dict(state["a_opt"])
        self.generator.set_state(state["generator"])
        self.valid_curve = [float(v) for v in state["valid_curve"]]
        self.curves = {e: {op: [float(v) for v in vals] for op, vals in per.items()}
                       for e, per in state["curves"].items()}
