"""`python -m models tune` end to end with a tiny grid against a real TorchServe 0.12.0 and real wrk.

Grid: batch size 1 (the baseline) and the declared 16 / 10 ms, 2 workers, 8 clients, 1 s of load a point and no
warm-up; then the final side-by-side (one round of 1 s). Four server starts in all, ~20-30 s on 2 cores.
What is checked is wiring, not speed: every point is in the JSON with the configuration it was asked for, the
mean batch size read from the answers (exactly 1 for batch size 1), the final run and its roles, the machine,
the PNG, and the lines printed to paste. Needs Java 17 and wrk (skipped without them).
"""
from __future__ import annotations

import contextlib
import io
import json

import pytest

from models.__main__ import main
from models.torchserve_local import java_available
from models.tune_load import wrk_path

pytestmark = [pytest.mark.skipif(not java_available(), reason="java not found (TorchServe's frontend needs Java 17)"),
              pytest.mark.skipif(wrk_path() is None, reason="wrk not found (Debian: apt-get install -y wrk)")]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    out = tmp_path_factory.mktemp("tune")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["tune", "fraud-scorer", "--concurrency", "8", "--pick-at", "8", "--batch-sizes", "16",
                     "--delays-ms", "10", "--workers", "2", "--warmup-s", "0", "--duration-s", "1",
                     "--final-duration-s", "1", "--final-rounds", "1", "--budget-s", "600", "--out", str(out)])
    return code, stdout.getvalue(), json.loads((out / "tune.json").read_text()), out


def test_every_point_recorded(tuned):
    code, _, record, _ = tuned
    assert code in (0, 1)
    assert (record["model"], record["runtime"], record["server"]) == ("fraud-scorer", "torchserve",
                                                                      "TorchServe 0.12.0")
    settings = record["settings"]
    assert settings["strategy"] == "full grid"
    assert settings["concurrency"] == [8] and settings["pick_at"] == 8 and settings["objective_p99_ms"] is None
    assert settings["search_cut"] is None
    configs = [(p["max_batch_size"], p["max_delay_ms"], p["workers"], p["concurrency"]) for p in record["points"]]
    assert configs == [(1, 0, 2, 8), (16, 10, 2, 8)]
    base, declared = record["points"]
    assert base["mean_batch"] == 1.0  # the handler reported batch_size 1 in every answer
    assert 1.0 <= declared["mean_batch"] <= 8.0  # 8 clients cannot fill more than 8 of a batch of 16
    for p in record["points"]:
        assert p["errors"] == 0 and p["rps"] > 0 and 0 < p["p50_ms"] <= p["p99_ms"]


def test_final_side_by_side_and_pick(tuned):
    code, stdout, record, _ = tuned
    # two finalists by default, and the search measured only two configurations: both are finalists
    assert sorted((f["max_batch_size"], f["max_delay_ms"], f["workers"]) for f in record["finalists"]) == [
        (1, 0, 2), (16, 10, 2)]
    roles = [(f["role"], f["max_batch_size"], f["max_delay_ms"], f["workers"]) for f in record["final"]]
    final = {(f["max_batch_size"], f["max_delay_ms"]): f for f in record["final"]}
    base = final[(1, 0)]
    if code == 0:  # which of the two wins is the machine's business; the rule's wiring is ours
        chosen = record["pick"]["final_point"]
        assert chosen["p99_ms"] <= base["p99_ms"] and chosen["errors"] == 0
        assert record["pick"]["bound_p99_ms"] == base["p99_ms"]
        assert roles[0] == ("pick", chosen["max_batch_size"], chosen["max_delay_ms"], chosen["workers"])
        assert roles[1:] == [("declared", 16, 10, 2), ("batch 1", 1, 0, 2)]
        paste = record["paste"]
        assert paste == [f"batching=Batching(max_batch_size={chosen['max_batch_size']}, "
                         f"max_delay_ms={chosen['max_delay_ms']}),", f"workers={chosen['workers']},"]
        for line in paste:
            assert f"    {line}\n" in stdout
    else:
        assert record["pick"]["final_point"] is None and record["paste"] == []
        assert roles == [("declared", 16, 10, 2), ("batch 1", 1, 0, 2)]
    for f in record["final"]:
        assert len(f["rounds"]) == 1 and f["concurrency"] == 8 and f["rounds"][0]["rps"] == f["rps"]
    assert record["declared"]["max_batch_size"] == 16 and record["declared"]["role"] == "declared"


def test_progress_machine_and_plot(tuned):
    _, stdout, record, out = tuned
    lines = stdout.splitlines()
    assert lines[0] == "tune fraud-scorer on torchserve: packaging ..."
    assert lines[1].startswith("full grid over batch [16] x delay [10] ms x workers [2]; clients [8], pick at 8; "
                               "objective: p99 no worse than batch size 1; budget 600 s")
    assert lines[2].startswith("[1/2] batch 1 / 0 ms / 2 workers: @8 ")
    assert lines[3].startswith("[2/2] batch 16 / 10 ms / 2 workers: @8 ")
    machine = record["machine"]
    for key in ("platform", "cpu_model", "cpu_count", "cpus_usable", "memory_gib", "python", "torch", "java", "wrk",
                "load_average_at_start", "load_average_at_end"):
        assert key in machine
    assert machine["wrk"].startswith("wrk ")
    assert (out / "tune.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
