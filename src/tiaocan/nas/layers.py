"""The PyTorch modules that ops, cells and macro networks are made of.

Plain ``torch.nn`` code with no dependency on tiaocan's study machinery, so a model built
from a trial's parameters is an ordinary ``nn.Module``.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["FactorizedReduce", "ReLUConvBN", "Zero"]


class Zero(nn.Module):
    """The ``none`` op: zeros of the output shape (the edge is absent)."""

    def __init__(self, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return x.mul(0.0)
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class ReLUConvBN(nn.Module):
    """ReLU, convolution, batch norm: NAS-Bench-201's convolution op."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.op(x)
        return out


class FactorizedReduce(nn.Module):
    """A skip connection that halves the resolution: two offset 1x1 convolutions, concatenated
    (DARTS / NAS-Bench-201's reduction of the identity)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        half = c_out // 2
        self.relu = nn.ReLU(inplace=False)
        self.conv_a = nn.Conv2d(c_in, half, 1, stride=2, bias=False)
        self.conv_b = nn.Conv2d(c_in, c_out - half, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = nn.functional.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        out: torch.Tensor = self.bn(torch.cat([self.conv_a(x), self.conv_b(shifted)], dim=1))
        return out


class Cell(nn.Module):
    """A DAG cell: node 0 is the input, node j sums ``op_ij(node i)`` over i < j, and the last
    node is the output (NAS-Bench-201's cell). ``none`` edges are left out of the graph, so
    parameters, FLOPs and latency count only what runs."""

    def __init__(self, ops: dict[tuple[int, int], str], n_nodes: int, channels: int) -> None:
        super().__init__()
        from tiaocan.nas.ops import make_op

        self.n_nodes = n_nodes
        self.edges = nn.ModuleDict({
            f"edge_{i}_{j}": make_op(name, channels, 1)
            for (i, j), name in sorted(ops.items(), key=lambda e: (e[0][1], e[0][0]))
            if name != "none"
        })

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in range(1, self.n_nodes):
            inputs = [self.edges[f"edge_{i}_{j}"](nodes[i]) for i in range(j)
                      if f"edge_{i}_{j}" in self.edges]
            nodes.append(torch.stack(inputs).sum(0) if inputs else torch.zeros_like(x))
        return nodes[-1]


class CellNetwork(nn.Module):
    """Stem convolution, ``n_cells`` stacked cells, BN-ReLU, global average pool, linear head."""

    def __init__(self, ops: dict[tuple[int, int], str], n_nodes: int, *, channels: int,
                 n_cells: int, n_classes: int, in_channels: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        self.cells = nn.Sequential(*[Cell(ops, n_nodes, channels) for _ in range(n_cells)])
        self.head = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(inplace=False),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(channels, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.cells(self.stem(x)))
        return out


class InvertedResidual(nn.Module):
    """MobileNetV2's block (Sandler et al. 2018): 1x1 expansion, k x k depthwise convolution,
    1x1 projection; the input is added back when the shapes match."""

    def __init__(self, c_in: int, c_out: int, kernel: int, expansion: int, stride: int) -> None:
        super().__init__()
        hidden = c_in * expansion
        layers: list[nn.Module] = []
        if expansion != 1:
            layers += [nn.Conv2d(c_in, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6()]
        layers += [nn.Conv2d(hidden, hidden, kernel, stride, kernel // 2, groups=hidden, bias=False),
                   nn.BatchNorm2d(hidden), nn.ReLU6(),
                   nn.Conv2d(hidden, c_out, 1, bias=False), nn.BatchNorm2d(c_out)]
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.block(x)
        return x + out if self.residual else out


class MacroNetwork(nn.Module):
    """Stem, stages of inverted-residual blocks (the first block of a stage strides), global
    average pool, linear head."""

    def __init__(self, stages: list[dict], *, stem_channels: int, n_classes: int,
                 in_channels: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, stem_channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(stem_channels), nn.ReLU6())
        blocks: list[nn.Module] = []
        c_in = stem_channels
        for stage in stages:
            for k, (kernel, expansion) in enumerate(stage["layers"]):
                stride = stage["stride"] if k == 0 else 1
                blocks.append(InvertedResidual(c_in, stage["width"], kernel, expansion, stride))
                c_in = stage["width"]
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.blocks(self.stem(x)))
        return out
