"""Hardware measurements of a model: parameter count, FLOPs and latency on this machine.

FLOPs are counted by ``torch.utils.flop_counter.FlopCounterMode`` (PyTorch's own counter,
convolutions and matrix products, 2 FLOPs per multiply-add) for one input. Latency is the
median of ``repeats`` timed forward passes at ``batch_size`` after ``warmup`` untimed ones, in
eval mode without gradients; the device, dtype and thread count are returned with it, so the
figure is stored with what produced it.

>>> import torch
>>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
>>> count_params(model), count_flops(model, (1, 8, 8))
(650, 1280)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

from tiaocan.errors import ConfigError, check_int, require
from tiaocan.nas._training import resolve_device

__all__ = ["count_flops", "count_params", "measure", "measure_latency", "record"]


def count_params(model: Any, trainable_only: bool = False) -> int:
    """The number of parameters (all, or only those with ``requires_grad``)."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only))


def count_flops(model: Any, input_shape: Sequence[int]) -> int:
    """FLOPs of one forward pass on one input of ``input_shape`` (no batch dimension)."""
    torch = require("torch", "nas", "FLOP counting")
    from torch.utils.flop_counter import FlopCounterMode

    x = _example(torch, model, input_shape, 1)
    was_training = model.training
    model.eval()
    try:
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            model(x)
    finally:
        model.train(was_training)
    return int(counter.get_total_flops())


def measure_latency(model: Any, input_shape: Sequence[int], *, batch_size: int = 1,
                    repeats: int = 30, warmup: int = 5, device: str = "cpu",
                    dtype: str = "float32", threads: int | None = None) -> dict[str, Any]:
    """Median forward latency in milliseconds, with how it was measured.

    Raises:
        ConfigError: ``repeats`` < 1, ``warmup`` < 0, ``batch_size`` < 1, an unknown dtype,
            or a device torch does not have.
    """
    torch = require("torch", "nas", "latency measurement")
    check_int("repeats", repeats, 1)
    check_int("warmup", warmup, 0)
    check_int("batch_size", batch_size, 1)
    torch_dtype = getattr(torch, str(dtype), None)
    if not isinstance(torch_dtype, torch.dtype) or not torch_dtype.is_floating_point:
        raise ConfigError(f"dtype must be a floating torch dtype name ('float32', 'float16', "
                          f"'bfloat16', ...), received {dtype!r}")
    dev = resolve_device(device)
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(check_int("threads", threads, 1))
    was_training = model.training
    try:
        model.eval()
        times = _timed_passes(torch, model.to(dev, torch_dtype),
                              _example(torch, model, input_shape, batch_size).to(dev, torch_dtype),
                              repeats, warmup, dev)
        used_threads = torch.get_num_threads()
    finally:
        model.train(was_training)
        torch.set_num_threads(previous_threads)
    return {"latency_ms": statistics.median(times), "repeats": repeats, "warmup": warmup,
            "batch_size": batch_size, "device": str(dev), "dtype": str(dtype),
            "threads": used_threads}


def measure(model: Any, input_shape: Sequence[int], *, latency: bool = True,
            **latency_options: Any) -> dict[str, Any]:
    """Parameters, FLOPs and (optionally) latency of ``model``, as one JSON-ready dict."""
    out: dict[str, Any] = {"params": count_params(model), "flops": count_flops(model, input_shape)}
    if latency:
        out.update(measure_latency(model, input_shape, **latency_options))
    return out


def record(trial: Any, model: Any = None, input_shape: Sequence[int] | None = None, *,
           latency: bool = True, **latency_options: Any) -> dict[str, Any]:
    """Store what a trial's architecture is with the trial: its cell ``genotype`` (a user
    attribute the dashboard draws) and, given a model and an input shape, the measurements
    of :func:`measure` as user attributes ``hw_params``, ``hw_flops``, ``hw_latency_ms``,
    ``hw_device``, ... Returns what was stored.
    """
    stored: dict[str, Any] = {}
    if any(str(k).startswith("edge_") for k in trial.params):
        from tiaocan.nas.cell import genotype

        stored["genotype"] = genotype(trial.params)
    if model is not None:
        if input_shape is None:
            raise ConfigError("record: measuring a model needs input_shape (one input's shape "
                              "without the batch dimension, e.g. (1, 8, 8))")
        found = measure(model, input_shape, latency=latency, **latency_options)
        stored.update({f"hw_{key}": value for key, value in found.items()})
    for key, value in stored.items():
        trial.set_user_attr(key, value)
    return stored


def _example(torch: Any, model: Any, input_shape: Sequence[int], batch: int) -> Any:
    shape = tuple(int(s) for s in input_shape)
    if not shape or any(s < 1 for s in shape):
        raise ConfigError(f"input_shape must be the positive shape of one input without the "
                          f"batch dimension, e.g. (1, 8, 8), received {tuple(input_shape)!r}")
    first = next(iter(model.parameters()), None)
    dtype = first.dtype if first is not None else torch.float32
    device = first.device if first is not None else "cpu"
    return torch.zeros((batch, *shape), dtype=dtype, device=device)


def _timed_passes(torch: Any, model: Any, x: Any, repeats: int, warmup: int, dev: Any) -> list[float]:
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    times = []
    with torch.no_grad():
        for k in range(warmup + repeats):
            sync()
            start = time.perf_counter()
            model(x)
            sync()
            if k >= warmup:  # warm-up passes (allocator, kernel selection) are not timed
                times.append((time.perf_counter() - start) * 1000.0)
    return times
