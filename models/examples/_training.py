"""Shared helper: train a small module on synthetic data, reproducibly, without touching global state."""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import torch
from torch import nn


@contextlib.contextmanager
def reproducible(seed: int) -> Iterator[torch.Generator]:
    """Seed parameter init and data generation, train on one thread (summation order then does not depend on
    the machine's core count), and restore the caller's RNG state and thread count afterwards."""
    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        try:
            yield torch.Generator().manual_seed(seed)
        finally:
            torch.set_num_threads(threads)


def fit(module: nn.Module, x: torch.Tensor, y: torch.Tensor, *, steps: int, batch: int, lr: float,
        gen: torch.Generator) -> nn.Module:
    """Plain Adam + cross-entropy on (x, y) for `steps` mini-batches; returns the module in eval mode."""
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    module.train()
    for _ in range(steps):
        idx = torch.randint(0, x.shape[0], (batch,), generator=gen)
        opt.zero_grad(set_to_none=True)
        loss_fn(module(x[idx]), y[idx]).backward()
        opt.step()
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def accuracy(module: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return (module(x).argmax(dim=1) == y).float().mean().item()



def report(build_model: Callable[[], nn.Module], synthetic_data: Callable[[int, torch.Generator], tuple],
           held_out: int) -> None:
    """Print how long `build_model` takes and its accuracy on `held_out` fresh synthetic rows (seed 1)."""
    import time

    start = time.perf_counter()
    module = build_model()
    with reproducible(1) as gen:
        xs, ys = synthetic_data(held_out, gen)
    print(f"built in {time.perf_counter() - start:.2f}s, held-out accuracy {accuracy(module, xs, ys):.3f}")
