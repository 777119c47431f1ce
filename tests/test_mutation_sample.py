"""`.ci/mutation_sample.py`: the interval it reports and the sample it draws."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("mutation_sample", Path(__file__).resolve().parent.parent / ".ci" /
                                              "mutation_sample.py")
sample = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(sample)


@pytest.mark.parametrize("killed, n, low, high", [(85, 100, 0.7672, 0.9069), (200, 200, 0.9812, 1.0),
                                                  (0, 10, 0.0, 0.2775), (0, 0, 0.0, 1.0)])
def test_wilson_interval(killed, n, low, high):
    got = sample.wilson(killed, n)
    assert got == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))


def test_a_smaller_sample_is_part_of_a_larger_one_and_the_seed_fixes_it():
    population = [f"m{i}" for i in range(1000)]
    small, large = sample.draw(population, 200, 1), sample.draw(population, 300, 1)
    assert len(small) == 200 and len(set(large)) == 300 and set(small) < set(large)
    assert small == sorted(small) and sample.draw(list(reversed(population)), 200, 1) == small
    assert sample.draw(population, 200, 2) != small
    assert sample.draw(population, 5000, 1) == sorted(population)
