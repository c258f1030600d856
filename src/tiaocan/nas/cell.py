"""A cell space: a DAG of ``n_nodes`` nodes where every edge i -> j picks one op.

NAS-Bench-201's search space (Dong & Yang, 2020) with 4 nodes and 5 ops has 5^6 = 15,625
cells. The space is an ordinary :class:`tiaocan.Space` of one categorical per edge, named
``edge_{i}_{j}``, so every sampler, the storage and the dashboard apply unchanged, and it can
be merged with training hyperparameters (``tc.Space({**cell_space(), "lr": tc.Float(...)})``).

The genotype string is NAS-Bench-201's: node j's group lists ``op~i`` for every i < j,
groups joined by ``+``.

>>> space = cell_space(n_nodes=3, ops=("none", "conv_3x3"))
>>> list(space)
['edge_0_1', 'edge_0_2', 'edge_1_2']
>>> genotype({"edge_0_1": "conv_3x3", "edge_0_2": "none", "edge_1_2": "conv_3x3"})
'|conv_3x3~0|+|none~0|conv_3x3~1|'
>>> parse_genotype('|conv_3x3~0|+|none~0|conv_3x3~1|')["edge_1_2"]
'conv_3x3'

:func:`build` imports torch and nothing of tiaocan's study machinery.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tiaocan.errors import ConfigError, check_int
from tiaocan.nas.ops import check_op

__all__ = ["DEFAULT_OPS", "build", "cell_edges", "cell_ops", "cell_space", "edge_name",
           "genotype", "parse_genotype"]

#: NAS-Bench-201's five ops.
DEFAULT_OPS = ("none", "skip_connect", "conv_1x1", "conv_3x3", "avg_pool_3x3")
_EDGE = re.compile(r"^edge_(\d+)_(\d+)$")


def edge_name(i: int, j: int) -> str:
    """The parameter name of the edge from node ``i`` to node ``j``."""
    return f"edge_{i}_{j}"


def cell_edges(n_nodes: int) -> list[tuple[int, int]]:
    """Every edge (i, j), 0 <= i < j < n_nodes, in genotype order (by j, then i)."""
    return [(i, j) for j in range(1, n_nodes) for i in range(j)]


def cell_space(n_nodes: int = 4, ops: Sequence[str] = DEFAULT_OPS) -> Any:
    """The space of cells with ``n_nodes`` nodes whose edges pick one of ``ops``.

    Raises:
        ConfigError: ``n_nodes`` below 2, an empty or repeated op list, or an unknown op.
    """
    from tiaocan.space import Categorical, Space

    if isinstance(n_nodes, bool) or not isinstance(n_nodes, int) or n_nodes < 2:
        raise ConfigError(f"n_nodes must be an int >= 2 (a cell needs an input and an output "
                          f"node), received {n_nodes!r}")
    if isinstance(ops, str) or not isinstance(ops, Sequence) or not ops:
        raise ConfigError(f"ops must be a non-empty list of op names, received {ops!r}")
    for name in ops:
        check_op(name, "cell_space ops")
    if len(set(ops)) != len(ops):
        raise ConfigError(f"ops must be distinct, received {list(ops)!r}")
    return Space({edge_name(i, j): Categorical(tuple(ops)) for i, j in cell_edges(n_nodes)})


def cell_ops(params: Mapping[str, Any]) -> tuple[dict[tuple[int, int], str], int]:
    """The edges' ops of a configuration (other keys, e.g. a learning rate, are ignored) and
    the number of nodes.

    Raises:
        ConfigError: no edge parameter, a missing edge, or an unknown op.
    """
    ops: dict[tuple[int, int], str] = {}
    for key, value in params.items():
        match = _EDGE.match(key)
        if match:
            i, j = int(match.group(1)), int(match.group(2))
            if i >= j:
                raise ConfigError(f"parameter '{key}': an edge goes from a lower to a higher "
                                  f"node (edge_i_j with i < j)")
            ops[(i, j)] = check_op(value, f"parameter '{key}'")
    if not ops:
        raise ConfigError(f"a cell configuration needs edge_i_j parameters, received keys "
                          f"{sorted(params)}")
    n_nodes = max(j for _, j in ops) + 1
    missing = [edge_name(i, j) for i, j in cell_edges(n_nodes) if (i, j) not in ops]
    if missing:
        raise ConfigError(f"a cell of {n_nodes} nodes needs every edge; missing {missing}")
    return ops, n_nodes


def genotype(params: Mapping[str, Any]) -> str:
    """The NAS-Bench-201 genotype string of a cell configuration."""
    ops, n_nodes = cell_ops(params)
    groups = ["|" + "|".join(f"{ops[(i, j)]}~{i}" for i in range(j)) + "|"
              for j in range(1, n_nodes)]
    return "+".join(groups)


def parse_genotype(text: str) -> dict[str, str]:
    """The configuration (``{"edge_i_j": op}``) of a NAS-Bench-201 genotype string.

    Raises:
        ConfigError: the string does not parse (the message says where), or names an
            unknown op.
    """
    expected = "'|op~0|+|op~0|op~1|+...' (group j lists op~i for i = 0..j-1)"
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"a genotype must be a string like {expected}, received {text!r}")
    config: dict[str, str] = {}
    for j, group in enumerate(text.strip().split("+"), start=1):
        if len(group) < 2 or not (group.startswith("|") and group.endswith("|")):
            raise ConfigError(f"genotype {text!r}: group {j} ({group!r}) must start and end "
                              f"with '|'; expected {expected}")
        items = group[1:-1].split("|")
        if len(items) != j:
            raise ConfigError(f"genotype {text!r}: group {j} ({group!r}) must list {j} op(s) "
                              f"(one per earlier node), found {len(items)}")
        for i, item in enumerate(items):
            op, sep, source = item.rpartition("~")
            if not sep or source != str(i):
                raise ConfigError(f"genotype {text!r}: item {item!r} of group {j} must read "
                                  f"'op~{i}'")
            config[edge_name(i, j)] = check_op(op, f"genotype {text!r}")
    return config


def build(params: Mapping[str, Any], *, channels: int = 16, n_cells: int = 3,
          n_classes: int = 10, in_channels: int = 1) -> Any:
    """A ``torch.nn.Module`` for a cell configuration: a stem convolution, ``n_cells`` copies
    of the cell, BN-ReLU, global average pooling and a linear head.

    Keys other than ``edge_i_j`` (training hyperparameters) are ignored, so a joint search
    passes ``trial.params`` as is. The module carries ``build_spec`` (builder, edges,
    options), which :func:`tiaocan.nas.export` stores.

    >>> model = build(parse_genotype("|conv_3x3~0|+|skip_connect~0|conv_1x1~1|"), n_cells=1)
    >>> type(model).__name__
    'CellNetwork'
    """
    from tiaocan.nas.layers import CellNetwork

    ops, n_nodes = cell_ops(params)
    options = {"channels": check_int("channels", channels, 1),
               "n_cells": check_int("n_cells", n_cells, 1),
               "n_classes": check_int("n_classes", n_classes, 1),
               "in_channels": check_int("in_channels", in_channels, 1)}
    model = CellNetwork(ops, n_nodes, **options)
    model.build_spec = {"builder": "cell",
                        "params": {edge_name(i, j): op for (i, j), op in ops.items()},
                        "options": options}
    return model
