"""The weight-sharing network of a cell space: every op of every edge, in one module.

Its skeleton is :func:`tiaocan.nas.build`'s (stem, ``n_cells`` stacked cells, BN-ReLU, global
pooling, linear head), so a sub-architecture evaluated here is the same network a stand-alone
model of that cell is. Each edge holds one module per candidate op; the forward pass either
mixes them with weights (DARTS' continuous relaxation, Liu et al. 2019, eq. 2) or runs one op
per edge (a single path, SPOS, Guo et al. 2020). The architecture choice is shared by all
cells, as in both papers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from tiaocan.errors import ConfigError
from tiaocan.nas.cell import cell_edges, edge_name
from tiaocan.nas.ops import make_op

__all__ = ["SearchNetwork", "cell_space_ops"]


def cell_space_ops(space: Any, what: str) -> tuple[int, tuple[str, ...]]:
    """(n_nodes, ops) of a space made by :func:`tiaocan.nas.cell_space`, or a ConfigError."""
    from tiaocan.space import Categorical, Space

    if not isinstance(space, Space):
        raise ConfigError(f"{what} needs a cell space (tc.nas.cell_space(...)), received {space!r}")
    edges = [name for name in space if name.startswith("edge_")]
    n_nodes = round((1 + (1 + 8 * len(edges)) ** 0.5) / 2)  # n(n-1)/2 edges
    params = [space[name] for name in edges]
    choices = {p.choices for p in params if isinstance(p, Categorical)}
    if (n_nodes < 2 or edges != [edge_name(i, j) for i, j in cell_edges(n_nodes)]
            or len(choices) != 1 or len(params) != len(edges) or any(p.when for p in params)):
        raise ConfigError(f"{what} needs a cell space (tc.nas.cell_space(...): one categorical "
                          f"edge_i_j per edge, all with the same ops), received a space with "
                          f"parameters {list(space)}")
    return n_nodes, tuple(choices.pop())


class MixedEdge(nn.Module):
    """All candidate ops of one edge."""

    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.names = tuple(ops)
        self.ops = nn.ModuleList([make_op(name, channels, 1) for name in ops])

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None, choice: int | None) -> torch.Tensor:
        if choice is not None:
            out: torch.Tensor = self.ops[choice](x)
            return out
        if weights is None:
            raise ConfigError("MixedEdge needs mixing weights or a choice")
        return sum(w * op(x) for w, op in zip(weights, self.ops))  # type: ignore[return-value]


class SearchCell(nn.Module):
    """Node j = sum over i < j of edge (i, j) applied to node i; the last node is the output."""

    def __init__(self, n_nodes: int, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.n_nodes = n_nodes
        self.edges = nn.ModuleList([MixedEdge(ops, channels) for _ in cell_edges(n_nodes)])

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None, choice: Sequence[int] | None,
                skip_weight: float) -> torch.Tensor:
        nodes = [x]
        k = 0
        for j in range(1, self.n_nodes):
            total: Any = 0
            for i in range(j):
                edge_w = None if weights is None else weights[k]
                edge_c = None if choice is None else choice[k]
                total = total + self.edges[k](nodes[i], edge_w, edge_c)
                if skip_weight:  # DARTS-: an auxiliary skip beside every edge (Chu et al. 2021)
                    total = total + skip_weight * nodes[i]
                k += 1
            nodes.append(total)
        return nodes[-1]


class SearchNetwork(nn.Module):
    """Stem, ``n_cells`` search cells, BN-ReLU, global average pool, linear head."""

    def __init__(self, n_nodes: int, ops: Sequence[str], *, channels: int, n_cells: int,
                 n_classes: int, in_channels: int) -> None:
        super().__init__()
        self.n_nodes, self.op_names = n_nodes, tuple(ops)
        self.edge_names = [edge_name(i, j) for i, j in cell_edges(n_nodes)]
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        self.cells = nn.ModuleList([SearchCell(n_nodes, ops, channels) for _ in range(n_cells)])
        self.head = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(inplace=False),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(channels, n_classes))

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None = None,
                choice: Sequence[int] | None = None, skip_weight: float = 0.0) -> torch.Tensor:
        """``weights``: (edges, ops) mixing weights; or ``choice``: one op index per edge."""
        if (weights is None) == (choice is None):
            raise ConfigError("SearchNetwork.forward needs exactly one of weights= or choice=")
        out = self.stem(x)
        for cell in self.cells:
            out = cell(out, weights, choice, skip_weight)
        result: torch.Tensor = self.head(out)
        return result

    def choice_of(self, params: Mapping[str, Any]) -> list[int]:
        """Op indices per edge of a cell configuration (``{"edge_i_j": op}``)."""
        try:
            return [self.op_names.index(params[name]) for name in self.edge_names]
        except (KeyError, ValueError):
            raise ConfigError(f"params must give every edge {self.edge_names} one of the ops "
                              f"{list(self.op_names)}, received {dict(params)!r}") from None
