"""Small CNN for 28x28 single-channel images with 10 classes (digit-like).

`build_model()` trains it at build time on synthetic images: each class is a fixed random pattern of strokes,
rendered with random shifts and noise, with a fixed seed, so every build yields the same weights (no downloads,
about a second on one core). Output: logits.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from models.examples._training import fit, report, reproducible

N_CLASSES = 10
SIDE = 28
SEED = 20240918


class SmallCNN(nn.Module):
    def __init__(self, n_classes: int = N_CLASSES) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.fc = nn.Linear(16 * 7 * 7, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # 28 -> 14
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # 14 -> 7
        return self.fc(x.flatten(1))


def _prototypes() -> torch.Tensor:
    """One blurred random 20x20 stroke pattern per class, centred on a 28x28 canvas."""
    g = torch.Generator().manual_seed(11)
    coarse = (torch.rand(N_CLASSES, 1, 5, 5, generator=g) > 0.55).float()
    fine = F.interpolate(coarse, size=(20, 20), mode="bilinear", align_corners=False)
    protos = torch.zeros(N_CLASSES, 1, SIDE, SIDE)
    protos[:, :, 4:24, 4:24] = fine
    return protos


def synthetic_data(n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Class prototypes shifted by up to 2 pixels, scaled in intensity, plus Gaussian noise; values ~[0, 1]."""
    protos = _prototypes()
    y = torch.randint(0, N_CLASSES, (n,), generator=gen)
    x = protos[y]
    dx, dy = torch.randint(-2, 3, (2,), generator=gen).tolist()
    x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
    x = x * (0.7 + 0.6 * torch.rand(n, 1, 1, 1, generator=gen)) + 0.3 * torch.randn(x.shape, generator=gen)
    return x, y


def build_model() -> nn.Module:
    """A trained, eval-mode `SmallCNN` (input (N, 1, 28, 28) float32, output (N, 10) logits), deterministic."""
    with reproducible(SEED) as gen:
        module = SmallCNN()
        xs, ys = [], []
        for _ in range(8):  # 8 chunks, each with its own shift, so the model sees shifted variants
            x, y = synthetic_data(128, gen)
            xs.append(x)
            ys.append(y)
        return fit(module, torch.cat(xs), torch.cat(ys), steps=60, batch=64, lr=3e-3, gen=gen)


if __name__ == "__main__":  # quick look: python -m models.examples.cnn
    report(build_model, synthetic_data, 1000)
