"""`python -m models tune`'s orchestration, in process, on a stand-in server whose figures follow a fixed formula:
what the tuner measures, in which order, what it prints and what it writes to tune.json, compared in full.

The real servers and wrk are exercised by tests/test_tune_e2e.py, whose figures are the machine's and can only be
checked loosely; here the figures are known, so every line of the report, the pick and the record can be checked
exactly (the lines as reviewed in tests/golden/messages.json, with the seconds that depend on the machine's speed
written as placeholders)."""
from __future__ import annotations

import contextlib
import io
import json
import re

import pytest

from models import tune, tune_measure
from models.__main__ import main
from models.tune_load import Load
from models.tune_search import Config
from models.tune_target import Target
from tests.messages import exactly


def figures(config: Config, concurrency: int) -> Load:
    """Throughput grows with the batch the clients can fill and with workers; the wait in the queue shrinks as
    batches and workers grow, the batch delay adds to it (so batching pays here, up to what the clients fill)."""
    batch = min(config.max_batch_size, concurrency)
    p99 = 2.0 + 0.5 * config.max_delay_ms + 40.0 / (config.workers * batch) + 0.2 * config.max_batch_size
    return Load(rps=100.0 * config.workers * batch / (1 + config.max_delay_ms / 20), p50_ms=p99 / 2, p99_ms=p99,
                requests=1000, non_2xx=0, socket_errors=0, mean_batch=float(batch))


class StandIn:
    """A runtime with the interface of tune_torchserve.TorchServeRuntime; each configuration is a URL."""

    name, version, note = "torchserve", "Stand-in 1.0", "figures from a formula"
    started: list[Config] = []

    def __init__(self, model, workdir):
        self.model = model

    def declared(self) -> Config:
        return Config(self.model.batching.max_batch_size, self.model.batching.max_delay_ms, self.model.workers)

    @contextlib.contextmanager
    def serve(self, config: Config, workdir):
        StandIn.started.append(config)
        yield Target(url=f"http://stand-in/{config.max_batch_size}/{config.max_delay_ms}/{config.workers}", body="[]")


@pytest.fixture
def tuned(tmp_path, monkeypatch):
    def measure(url, script, *, connections, duration_s):
        b, d, w = (int(x) for x in url.rsplit("/", 3)[1:])
        return figures(Config(b, d, w), connections)

    StandIn.started = []
    monkeypatch.setattr(tune, "_runtime_class", lambda name: (StandIn, lambda: None))
    monkeypatch.setattr(tune, "_check_wrk", lambda: None)
    monkeypatch.setattr(tune_measure, "wrk_measure", measure)
    out = tmp_path / "tune"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["tune", "fraud-scorer", "--concurrency", "4,8", "--pick-at", "8", "--batch-sizes", "1,8,16",
                     "--delays-ms", "1,10", "--workers", "1,2", "--warmup-s", "0", "--duration-s", "1",
                     "--final-duration-s", "1", "--final-rounds", "2", "--budget-s", "600", "--out", str(out)])
    return code, stdout.getvalue(), json.loads((out / "tune.json").read_text()), out


def test_the_printed_report(tuned):
    code, printed, _, out = tuned
    assert code == 0
    printed = printed.replace(str(out), "<out>")
    printed = re.sub(r"\(~[^)]* left\)", "(~… left)", printed)
    printed = re.sub(r"; \d+ s in all\)", "; … s in all)", printed)
    exactly(printed)


def test_the_record(tuned):
    _, _, record, out = tuned
    assert (record["model"], record["runtime"], record["server"], record["server_note"]) == (
        "fraud-scorer", "torchserve", "Stand-in 1.0", "figures from a formula")
    settings = dict(record["settings"], elapsed_s=None)
    assert settings == {"concurrency": [4, 8], "pick_at": 8, "objective_p99_ms": None, "finalists": 2,
                        "objective_from": None, "budget_s": 600.0, "strategy": "full grid", "warmup_s": 0.0,
                        "duration_s": 1.0, "final_duration_s": 1.0, "final_rounds": 2, "batch_sizes": [1, 8, 16],
                        "delays_ms": [1, 10], "workers": [1, 2], "search_cut": None, "elapsed_s": None}
    # every configuration of the grid (and the declared one, and the baseline) measured at 4 and 8 clients
    measured = sorted({(p["max_batch_size"], p["max_delay_ms"], p["workers"]) for p in record["points"]})
    assert (1, 0, 2) in measured and (16, 10, 2) in measured
    assert all(len([p for p in record["points"] if (p["max_batch_size"], p["max_delay_ms"], p["workers"]) == c])
               == 2 for c in measured)
    for p in record["points"]:
        expected = figures(Config(p["max_batch_size"], p["max_delay_ms"], p["workers"]), p["concurrency"])
        # tune.json keeps req/s to 0.1 and milliseconds to 0.01 (models/tune_report.py point_dict)
        assert (p["rps"], p["p50_ms"], p["p99_ms"], p["mean_batch"], p["errors"]) == (
            round(expected.rps, 1), round(expected.p50_ms, 2), round(expected.p99_ms, 2), expected.mean_batch, 0)
    exactly(json.dumps({k: record[k] for k in ("finalists", "pick", "final", "paste", "declared")}, sort_keys=True))
    assert (out / "tune.png").stat().st_size > 0


def test_each_configuration_gets_one_server_in_the_search_and_one_in_the_final(tuned):
    _, _, record, _ = tuned
    searched = {(p["max_batch_size"], p["max_delay_ms"], p["workers"]) for p in record["points"]}
    final = [(f["max_batch_size"], f["max_delay_ms"], f["workers"]) for f in record["final"]]
    started = [(c.max_batch_size, c.max_delay_ms, c.workers) for c in StandIn.started]
    search, final_run = started[:len(searched)], started[len(searched):]
    assert len(set(search)) == len(search) and set(search) == searched
    assert len(set(final_run)) == len(final_run) and set(final_run) == set(final)
