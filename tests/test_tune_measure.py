"""One measurement: wrk's figures, and Triton's mean batch from its counters before and after the run."""
from __future__ import annotations

from pathlib import Path

import pytest

from models import tune_measure
from models.tune_load import Load
from models.tune_target import Target

LOAD = Load(rps=1000.0, p50_ms=4.0, p99_ms=9.0, requests=2000, non_2xx=1, socket_errors=2, mean_batch=None)


@pytest.fixture
def wrk(monkeypatch):
    calls = []

    def measure(url, script, *, connections, duration_s):
        calls.append((url, script, connections, duration_s))
        return LOAD
    monkeypatch.setattr(tune_measure, "wrk_measure", measure)
    return calls


def test_mean_batch_is_requests_inferred_per_execution_during_the_run(wrk):
    counters = iter([(100, 10), (300, 20)])
    target = Target(url="http://t/p", body="{}", batch_counters=lambda: next(counters))
    load = tune_measure.load_once(target, Path("s.lua"), 16, 2.0)
    assert load.mean_batch == 20.0
    assert (load.rps, load.p99_ms, load.errors) == (1000.0, 9.0, 3)
    assert wrk == [("http://t/p", Path("s.lua"), 16, 2.0)]


def test_no_execution_during_the_run_gives_no_mean_batch(wrk):
    counters = iter([(100, 10), (100, 10)])
    assert tune_measure.load_once(Target("http://t/p", "{}", batch_counters=lambda: next(counters)),
                                  Path("s.lua"), 4, 1.0).mean_batch is None


def test_without_counters_the_load_is_wrks_own(wrk):
    assert tune_measure.load_once(Target("http://t/p", "{}"), Path("s.lua"), 4, 1.0) is LOAD
