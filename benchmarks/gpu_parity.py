"""GPU check (needs CUDA; run on a GPU machine): do the example models, TorchScript-traced as packaging traces
them, answer on a GPU within the tolerance `python -m models smoke` applies against the CPU reference
(`models.smoke.outputs_match`)? PyTorch on Ampere and newer runs float32 convolutions in TF32 by default, and Triton's
PyTorch backend runs the same TorchScript with the same defaults, so this is the difference a smoke check of a
GPU-served model sees. Prints, per model and batch size, the largest absolute difference with PyTorch's defaults
and with TF32 off, whether it passes the smoke tolerance, and the GPU latency of one batch.

Usage: `python3 benchmarks/gpu_parity.py` (only torch needed; exits 2 without CUDA).
"""
from __future__ import annotations

import importlib
import sys
import time

import torch

from models.registry import load_catalog
from models.smoke import outputs_match


def build(factory: str) -> torch.nn.Module:
    module_name, fn = factory.split(":")
    return getattr(importlib.import_module(module_name), fn)().eval()


def gpu_ms(fn, x, repeats: int = 50) -> float:
    for _ in range(5):
        fn(x)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn(x)
    torch.cuda.synchronize()
    return 1000 * (time.perf_counter() - start) / repeats


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA device: this check needs a GPU", file=sys.stderr)
        return 2
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, cudnn.allow_tf32="
          f"{torch.backends.cudnn.allow_tf32}, matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32}")
    print(f"{'model':<22} {'batch':>5} {'max|diff| default':>18} {'max|diff| no TF32':>18} {'max|ref|':>9} "
          f"{'softmax diff':>12} {'smoke':>6} {'gpu ms':>7}")
    failures = 0
    seen = set()
    defaults = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    for model in load_catalog().values():
        if model.source.factory in seen:
            continue
        seen.add(model.source.factory)
        module = build(model.source.factory)
        example = torch.zeros(1, *model.source.input_shape)
        traced = torch.jit.trace(module, example)
        gpu = torch.jit.trace(build(model.source.factory).cuda(), example.cuda())
        generator = torch.Generator().manual_seed(0)
        for batch in sorted({1, 8, model.batching.max_batch_size, 64, 128, 256}):
            x = torch.randn(batch, *model.source.input_shape, generator=generator)
            with torch.no_grad():
                reference = traced(x)
                default = gpu(x.cuda()).cpu()
                torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
                strict = gpu(x.cuda()).cpu()
                torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = defaults
                ok = outputs_match(default.numpy(), reference.numpy())[0]
                latency = gpu_ms(lambda t: gpu(t), x.cuda())
            failures += not ok
            soft = (default.softmax(-1) - reference.softmax(-1)).abs().max().item()
            print(f"{model.name:<22} {batch:>5} {(default - reference).abs().max().item():>18.2e} "
                  f"{(strict - reference).abs().max().item():>18.2e} {reference.abs().max().item():>9.1f} "
                  f"{soft:>12.2e} {'PASS' if ok else 'FAIL':>6} {latency:>7.3f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
