"""Tabular classifier: an MLP over 8 numeric features with 3 classes (e.g. legit / review / fraud).

`build_model()` trains it at build time on synthetic data drawn from a fixed "teacher" rule, with a fixed
seed, so every build yields the same weights (no downloads, well under a second on one core). Output: logits.
"""
from __future__ import annotations

import torch
from torch import nn

from models.examples._training import fit, report, reproducible

N_FEATURES = 8
N_CLASSES = 3
SEED = 20240917


class TabularMLP(nn.Module):
    def __init__(self, n_features: int = N_FEATURES, n_classes: int = N_CLASSES, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def synthetic_data(n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian features; the class is the arg-max of a fixed non-linear score (a made-up risk rule)."""
    x = torch.randn(n, N_FEATURES, generator=gen)
    w = torch.randn(N_FEATURES, N_CLASSES, generator=torch.Generator().manual_seed(7))
    score = x @ w + 0.5 * torch.stack([x[:, 0] * x[:, 1], x[:, 2].abs(), -x[:, 3] ** 2], dim=1)
    return x, score.argmax(dim=1)


def build_model() -> nn.Module:
    """A trained, eval-mode `TabularMLP` (input (N, 8) float32, output (N, 3) logits), deterministic."""
    with reproducible(SEED) as gen:
        module = TabularMLP()
        x, y = synthetic_data(4096, gen)
        return fit(module, x, y, steps=300, batch=128, lr=3e-3, gen=gen)


if __name__ == "__main__":  # quick look: python -m models.examples.tabular
    report(build_model, synthetic_data, 2000)
