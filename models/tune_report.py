"""What the tuner leaves behind: a JSON record of every point and the machine, a PNG plot, lines to paste, and
the text it prints as it goes.

The JSON is the evidence (figures from one machine under whatever else ran on it: the caller records the load
average at start and end for that reason); the plot shows req/s against p99 at the concurrency the pick is made
for, with the pick, the declared configuration, batch size 1 and the other finalists from the final run marked.
"""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Optional, Sequence

from models.tune_search import Config, Point


def _first_line(cmd: Sequence[str]) -> Optional[str]:
    if not shutil.which(cmd[0]):
        return None
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip() if lines else None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def cpu_model(cpuinfo: str) -> Optional[str]:
    """The first `model name` of a /proc/cpuinfo text, else what `platform` knows."""
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or None


def mem_total_gib(meminfo: str) -> Optional[float]:
    """`MemTotal` of a /proc/meminfo text (kB) in GiB, one decimal."""
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            try:
                return round(int(line.split()[1]) / 2**20, 1)
            except (IndexError, ValueError):
                return None
    return None


def machine_info() -> dict:
    """The machine the figures came from."""
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    return {
        "platform": platform.platform(),
        "cpu_model": cpu_model(_read("/proc/cpuinfo")),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_gib": mem_total_gib(_read("/proc/meminfo")),
        "python": platform.python_version(),
        "torch": torch_version,
        "java": _first_line(["java", "-version"]),
        "wrk": _first_line(["wrk", "--version"]),
    }


def config_dict(c: Config) -> dict:
    return dataclasses.asdict(c)


def point_dict(p: Point) -> dict:
    return {**config_dict(p.config), "concurrency": p.concurrency, "rps": round(p.rps, 1),
            "p50_ms": round(p.p50_ms, 2), "p99_ms": round(p.p99_ms, 2),
            "mean_batch": None if p.mean_batch is None else round(p.mean_batch, 2), "errors": p.errors}


def paste_lines(config: Config, runtime: str) -> list[str]:
    """Lines for the `Model(...)` in the catalog file. Triton renders the HYBRID view, so it goes in that override
    (merge by hand with an existing HYBRID override)."""
    batching = f"Batching(max_batch_size={config.max_batch_size}, max_delay_ms={config.max_delay_ms})"
    if runtime == "triton":
        return [f"phase_overrides={{Phase.HYBRID: PhaseOverride(batching={batching}, workers={config.workers})}},"]
    return [f"batching={batching},", f"workers={config.workers},"]


def write_json(path: Path, record: dict) -> Path:
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path


def plot(path: Path, points: Iterable[Point], concurrency: int, marked: Sequence[tuple[str, Point]],
         objective_ms: Optional[float], title: str) -> Path:
    """req/s against p99 at `concurrency`: every search point, plus the `marked` (role, point) pairs."""
    from matplotlib import pyplot as plt

    fig = figure(points, concurrency, marked, objective_ms, title)
    fig.savefig(path)
    plt.close(fig)
    return path


def figure(points: Iterable[Point], concurrency: int, marked: Sequence[tuple[str, Point]],
           objective_ms: Optional[float], title: str):
    """The plot's matplotlib Figure (8 x 5.5 in at 110 dpi); the caller closes it."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    here = [p for p in points if p.concurrency == concurrency and not p.errors]
    ax.scatter([p.p99_ms for p in here], [p.rps for p in here], s=28, color="0.55", label="searched", zorder=2)
    for p in here:
        c = p.config
        ax.annotate(f"{c.max_batch_size}/{c.max_delay_ms}/{c.workers}", (p.p99_ms, p.rps), fontsize=7,
                    color="0.35", xytext=(4, 3), textcoords="offset points")
    # (marker, colour, size, z-order): the pick on top when it is also the declared configuration
    styles = {"pick": ("*", "tab:red", 220, 5), "declared": ("s", "tab:blue", 90, 4),
              "batch 1": ("^", "tab:green", 90, 4), "finalist": ("D", "tab:orange", 50, 4)}
    for role, p in marked:
        marker, color, size, z = styles.get(role, ("o", "black", 60, 3))
        c = p.config
        ax.scatter([p.p99_ms], [p.rps], marker=marker, s=size, color=color, zorder=z,
                   label=f"{role}: {c.max_batch_size}/{c.max_delay_ms} ms/{c.workers}w (final run)")
    if objective_ms is not None:
        ax.axvline(objective_ms, color="tab:red", linestyle="--", linewidth=1, label=f"objective p99 {objective_ms:g} ms")
    ax.set_xlabel("p99 latency (ms)")
    ax.set_ylabel("requests/s")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def progress_line(done: int, total: int, config: Config, new: Sequence[Point], left_s: float) -> str:
    figures = " | ".join(
        f"@{p.concurrency} {p.rps:,.0f} req/s p99 {p.p99_ms:.1f} ms"
        + (f" batch {p.mean_batch:.1f}" if p.mean_batch is not None else "")
        + (f" {p.errors} errors" if p.errors else "") for p in new)
    return f"[{done}/{total}] {config.label()}: {figures} (~{duration(left_s)} left)"


def table(rows: Sequence[tuple[str, Point]]) -> list[str]:
    head = f"{'':<10} {'configuration':<30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'mean batch':>10} {'errors':>7}"
    out = [head, "-" * len(head)]
    for role, p in rows:
        batch = "-" if p.mean_batch is None else f"{p.mean_batch:.1f}"
        out.append(f"{role:<10} {p.config.label():<30} {p.rps:>9,.0f} {p.p50_ms:>8.1f} {p.p99_ms:>8.1f} "
                   f"{batch:>10} {p.errors:>7}")
    return out


def summary(rows: Sequence[tuple[str, Point]], bound_ms: Optional[float]) -> str:
    """Pick against batch size 1 and against the declared configuration, from the final side-by-side; says when
    the declared configuration is within 5 % of the pick's req/s, or faster but over the p99 bound."""
    by = dict(rows)
    pick, declared, base = by.get("pick"), by.get("declared"), by.get("batch 1")
    if pick is None:
        return "no pick to compare"
    parts = []
    for name, other in (("batch size 1", base), ("the declared configuration", declared)):
        if other is None or other.rps <= 0:
            continue
        if other.config == pick.config:
            parts.append(f"the pick is {name}")
            continue
        parts.append(f"{pick.rps / other.rps:.2f}x the req/s of {name} at p99 {pick.p99_ms:.1f} ms against "
                     f"{other.p99_ms:.1f} ms")
    text = "pick: " + "; ".join(parts)
    if declared is None or declared.config == pick.config or pick.rps <= 0:
        return text
    if declared.rps > pick.rps and bound_ms is not None and declared.p99_ms > bound_ms:
        text += (f". The declared configuration served more ({declared.rps:,.0f} req/s) but its p99 "
                 f"{declared.p99_ms:.1f} ms misses the bound {bound_ms:.1f} ms")
    elif abs(declared.rps - pick.rps) <= 0.05 * pick.rps:
        text += (f". The declared configuration is within 5 % of the pick ({declared.rps:,.0f} against "
                 f"{pick.rps:,.0f} req/s)")
    return text
