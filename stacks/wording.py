"""How the offline tools say counts in their reports: "1 resource", "3 resources"."""
from __future__ import annotations


def count(n: int, noun: str) -> str:
    """`n` and `noun`, plural unless n is 1 (the nouns the reports count all take a plain -s)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
