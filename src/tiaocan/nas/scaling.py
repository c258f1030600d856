"""Compound scaling of depth, width and input resolution.

Reference:
    Tan, Le (2019). EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks.
    ICML. Section 3.3: depth d = α^φ, width w = β^φ, resolution r = γ^φ with
    α·β²·γ² ≈ 2 and α, β, γ ≥ 1 (eq. 3), so FLOPs grow by about 2^φ; (α, β, γ) come from a
    small grid search at φ = 1 around the base network, then φ scales it up.

The base network is a small CNN (a stem, ``depth`` residual 3×3 conv blocks of ``width``
channels at ``resolution``², global pooling, a linear head), so FLOPs ∝ depth·width²·resolution² as in the
paper's argument. Depth, width and resolution are integers: each grid point's γ is chosen
among realisable resolutions so that the FLOPs *measured* with ``FlopCounterMode`` are
closest to the target, and points whose measured ratio is off by more than ``tolerance`` are
rejected (and listed). The grid search is an ordinary tiaocan study: one trial per point.

>>> from tiaocan.nas.scaling import CNNShape, compound_grid
>>> points = compound_grid([1.0, 1.25], [1.0, 1.1], base=CNNShape(4, 16, 8))
>>> all(abs(p.flops_ratio - 2.0) <= 0.3 for p in points)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from tiaocan.errors import ConfigError, require
from tiaocan.nas._training import Split, accuracy, digits_split, resolve_device, train_epoch

__all__ = ["CNNShape", "GridPoint", "build_cnn", "compare_at_equal_flops", "compound_grid",
           "measure_flops", "scale", "search_coefficients"]

DIMENSIONS = ("depth", "width", "resolution")


@dataclass(frozen=True)
class CNNShape:
    """Depth (conv blocks), width (channels) and input resolution (pixels per side)."""

    depth: int
    width: int
    resolution: int


@dataclass(frozen=True)
class GridPoint:
    """One (α, β, γ) of the grid, the shape it gives at φ = 1 and its measured FLOPs ratio."""

    alpha: float
    beta: float
    gamma: float
    shape: CNNShape
    flops_ratio: float


def build_cnn(shape: CNNShape, in_channels: int = 1, n_classes: int = 10) -> Any:
    """The plain CNN of ``shape``; inputs of another size are resized to its resolution."""
    nn = require("torch.nn", "nas", "compound scaling")
    functional = require("torch.nn.functional", "nas", "compound scaling")

    def block(c_in: int) -> Any:
        return nn.Sequential(nn.Conv2d(c_in, shape.width, 3, padding=1, bias=False),  # type: ignore[attr-defined]
                             nn.BatchNorm2d(shape.width), nn.ReLU())  # type: ignore[attr-defined]

    class ScaledCNN(nn.Module):  # type: ignore[attr-defined,misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.resolution = shape.resolution
            self.stem = block(in_channels)
            self.blocks = nn.ModuleList([block(shape.width) for _ in range(shape.depth)])  # type: ignore[attr-defined]
            self.head = nn.Linear(shape.width, n_classes)  # type: ignore[attr-defined]

        def forward(self, x: Any) -> Any:
            if x.shape[-1] != self.resolution or x.shape[-2] != self.resolution:
                x = functional.interpolate(x, size=(self.resolution, self.resolution),  # type: ignore[attr-defined]
                                           mode="bilinear", align_corners=False)
            x = self.stem(x)
            for block_ in self.blocks:
                x = x + block_(x)  # residual, as EfficientNet's blocks: depth stays trainable
            return self.head(x.mean(dim=(2, 3)))

    return ScaledCNN()


def measure_flops(shape: CNNShape, in_channels: int = 1, n_classes: int = 10) -> int:
    """FLOPs of one forward pass of one image, counted by ``torch.utils.flop_counter``."""
    torch = require("torch", "nas", "compound scaling")
    from torch.utils.flop_counter import FlopCounterMode

    model = build_cnn(shape, in_channels, n_classes).eval()
    x = torch.zeros(1, in_channels, shape.resolution, shape.resolution)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    return int(counter.get_total_flops())


def _check_phi(phi: Any) -> float:
    if isinstance(phi, bool) or not isinstance(phi, (int, float)) or not math.isfinite(phi) or phi < 0:
        raise ConfigError(f"phi must be a finite number >= 0 (the compound coefficient), "
                          f"received {phi!r}")
    return float(phi)


def scale(base: CNNShape, alpha: float, beta: float, gamma: float, phi: float) -> CNNShape:
    """``base`` scaled by α^φ, β^φ, γ^φ (eq. 3), rounded to integers (at least the base)."""
    phi = _check_phi(phi)
    return CNNShape(depth=max(base.depth, round(base.depth * alpha ** phi)),
                    width=max(base.width, round(base.width * beta ** phi)),
                    resolution=max(base.resolution, round(base.resolution * gamma ** phi)))


def _check_grid(name: str, grid: Any, high: float) -> tuple[float, ...]:
    values = tuple(grid) if isinstance(grid, (list, tuple)) else ()
    if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                             and 1.0 <= v <= high for v in values):
        raise ConfigError(f"{name} must be a non-empty list of numbers in [1, {high:g}] (every "
                          f"coefficient is >= 1 and α·β²·γ² ≈ target needs them at most that), "
                          f"received {grid!r}")
    return tuple(float(v) for v in values)


def compound_grid(alpha_grid: Sequence[float], beta_grid: Sequence[float], *,
                  base: CNNShape = CNNShape(4, 16, 8), target: float = 2.0,
                  tolerance: float = 0.15, in_channels: int = 1, n_classes: int = 10) -> list[GridPoint]:
    """The (α, β, γ) points with α·β²·γ² ≈ ``target``, each within ``tolerance`` of it in
    measured FLOPs; γ is solved from α and β, then rounded to the best realisable resolution.

    Raises:
        ConfigError: a coefficient outside [1, target] (resp. [1, √target] for β), or no
            point of the grid within the tolerance.
    """
    alphas = _check_grid("alpha_grid", alpha_grid, target)
    betas = _check_grid("beta_grid", beta_grid, math.sqrt(target))
    base_flops = measure_flops(base, in_channels, n_classes)
    points, rejected = [], []
    for alpha in alphas:
        for beta in betas:
            point = _grid_point(base, base_flops, alpha, beta, target, in_channels, n_classes)
            good = point is not None and abs(point.flops_ratio - target) <= tolerance * target
            (points if good else rejected).append(point or (alpha, beta))
    if not points:
        raise ConfigError(f"alpha_grid {list(alphas)} with beta_grid {list(betas)} has no point "
                          f"whose measured FLOPs ratio is within {tolerance:.0%} of {target:g} "
                          f"(α·β² must stay <= {target:g} so that γ >= 1)")
    return points


def _grid_point(base: CNNShape, base_flops: int, alpha: float, beta: float, target: float,
                in_channels: int, n_classes: int) -> GridPoint | None:
    if alpha * beta ** 2 > target * 1.15:
        return None  # γ would have to be below 1
    gamma = math.sqrt(max(target / (alpha * beta ** 2), 1.0))
    shape = scale(base, alpha, beta, 1.0, 1.0)
    exact = base.resolution * gamma
    best: GridPoint | None = None
    for resolution in {max(base.resolution, math.floor(exact)), max(base.resolution, math.ceil(exact))}:
        candidate = replace(shape, resolution=resolution)
        ratio = measure_flops(candidate, in_channels, n_classes) / base_flops
        if best is None or abs(ratio - target) < abs(best.flops_ratio - target):
            best = GridPoint(alpha, beta, resolution / base.resolution, candidate, ratio)
    return best


def match_flops(base: CNNShape, dimension: str, flops: int, *, in_channels: int = 1,
                n_classes: int = 10) -> CNNShape:
    """``base`` scaled along one dimension only, to the FLOPs closest to ``flops``."""
    if dimension not in DIMENSIONS:
        raise ConfigError(f"dimension must be one of {DIMENSIONS}, received {dimension!r}")
    start = getattr(base, dimension)
    best, best_gap = base, math.inf
    for value in range(start, start * 64):
        shape = replace(base, **{dimension: value})
        gap = measure_flops(shape, in_channels, n_classes) - flops
        if abs(gap) < best_gap:
            best, best_gap = shape, abs(gap)
        if gap > 0:
            break  # FLOPs grow with every dimension
    return best


def _fit(shape: CNNShape, split: Split, *, epochs: int, seed: int, device: Any, lr: float,
         batch_size: int, on_epoch: Any = None) -> tuple[float, float]:
    """Train a fresh model of ``shape``; (validation accuracy, test accuracy)."""
    torch = require("torch", "nas", "compound scaling")
    torch.manual_seed(seed)
    model = build_cnn(shape, split.in_channels, split.n_classes).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    valid = 0.0
    for epoch in range(1, epochs + 1):
        train_epoch(model, optimizer, split.x_train, split.y_train, batch_size=batch_size,
                    generator=generator, device=device)
        valid = accuracy(model, split.x_valid, split.y_valid, device=device)
        if on_epoch is not None:
            on_epoch(valid, epoch)
    return valid, accuracy(model, split.x_test, split.y_test, device=device)


def search_coefficients(points: Sequence[GridPoint], split: Split | None = None, *,
                        epochs: int = 3, storage: Any = ":memory:", name: str | None = None,
                        seed: int = 0, device: str = "cpu", lr: float = 3e-3,
                        batch_size: int = 64) -> Any:
    """Train every grid point briefly as a trial of one study (maximize validation accuracy).

    Each trial's params are α and β; γ, the shape and the measured FLOPs ratio are its user
    attributes. Returns the study; ``study.best_trial`` holds the chosen coefficients.
    """
    import tiaocan as tc

    if not points:
        raise ConfigError("points must be a non-empty list of GridPoint (see compound_grid)")
    split = split or digits_split(seed)
    dev = resolve_device(device)
    by_key = {(p.alpha, p.beta): p for p in points}
    space = tc.Space(alpha=tc.Categorical(sorted({p.alpha for p in points})),
                     beta=tc.Categorical(sorted({p.beta for p in points})))
    study = tc.create_study(name, space=space, storage=storage, direction="maximize", seed=seed,
                            sampler="random", load_if_exists=name is not None)
    done = {(t.params["alpha"], t.params["beta"]) for t in study.get_trials([tc.TrialState.COMPLETE])}
    for key in by_key:
        if key not in done:
            study.enqueue({"alpha": key[0], "beta": key[1]})

    def objective(trial: Any) -> float:
        point = by_key[(trial.params["alpha"], trial.params["beta"])]
        for key, value in {"gamma": point.gamma, "flops_ratio": point.flops_ratio,
                           **vars(point.shape)}.items():
            trial.set_user_attr(key, value)
        # one training seed for every point (common random numbers: the grid compares shapes)
        valid, _ = _fit(point.shape, split, epochs=epochs, seed=seed, device=dev, lr=lr,
                        batch_size=batch_size, on_epoch=trial.report)
        return valid

    remaining = len(by_key) - len(done)
    if remaining > 0:
        study.optimize(objective, n_trials=remaining, show_progress=False)
    return study


def compare_at_equal_flops(base: CNNShape, alpha: float, beta: float, gamma: float, phi: float,
                           split: Split | None = None, *, epochs: int = 10,
                           seeds: Sequence[int] = (0, 1), device: str = "cpu", lr: float = 3e-3,
                           batch_size: int = 64) -> list[dict[str, Any]]:
    """Compound scaling at ``phi`` against depth-, width- and resolution-only scaling matched to
    the compound model's measured FLOPs; one row per method, mean test accuracy over ``seeds``."""
    phi = _check_phi(phi)
    split = split or digits_split(0)
    dev = resolve_device(device)
    base_flops = measure_flops(base, split.in_channels, split.n_classes)
    compound = scale(base, alpha, beta, gamma, phi)
    flops = measure_flops(compound, split.in_channels, split.n_classes)
    shapes = {"compound": compound, "base": base}
    for dim in DIMENSIONS:
        shapes[f"{dim} only"] = match_flops(base, dim, flops, in_channels=split.in_channels,
                                            n_classes=split.n_classes)
    rows = []
    for method, shape in shapes.items():
        tests = [_fit(shape, split, epochs=epochs, seed=s, device=dev, lr=lr,
                      batch_size=batch_size)[1] for s in seeds]
        rows.append({"method": method, **vars(shape),
                     "flops_ratio": measure_flops(shape, split.in_channels, split.n_classes) / base_flops,
                     "test_accuracy": sum(tests) / len(tests), "per_seed": tests})
    return rows
