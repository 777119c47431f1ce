"""`python -m models tune`: bad arguments exit 2 with one line, before anything is packaged or started; the
declaration's latency objective is validated like every other field."""
from __future__ import annotations

import dataclasses
import math

import pytest

from models import tune_load
from models.__main__ import main
from models.errors import DeclarationError
from models.packaging import find_model


@pytest.fixture
def wrk_present(monkeypatch):
    """The checks below must not depend on whether this machine has wrk."""
    monkeypatch.setattr(tune_load, "wrk_path", lambda: "/usr/bin/wrk")


@pytest.fixture
def no_packaging(monkeypatch):
    """Packaging (the slow part) must never be reached by a bad argument."""
    import models.tune_torchserve as ts

    def refuse(*_a, **_k):
        raise AssertionError("packaging started")

    monkeypatch.setattr(ts.TorchServeRuntime, "__init__", refuse)


def one_line_error(capsys, argv) -> str:
    code = main(["tune", *argv])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.mark.parametrize("argv, message", [
    (["fraud-scorer", "--concurrency", ""], "error: invalid --concurrency '': expected at least one value (an empty "
                                            "grid measures nothing)"),
    (["fraud-scorer", "--concurrency", " , "], "error: invalid --concurrency ' , ': expected at least one value (an "
                                               "empty grid measures nothing)"),
    (["fraud-scorer", "--batch-sizes", ""], "error: invalid --batch-sizes '': expected at least one value (an empty "
                                            "grid measures nothing)"),
    (["fraud-scorer", "--workers", ","], "error: invalid --workers ',': expected at least one value (an empty grid "
                                         "measures nothing)"),
    (["fraud-scorer", "--concurrency", "8,0"], "error: invalid --concurrency '8,0': expected comma-separated "
                                               "integers from 1 to 4096"),
    (["fraud-scorer", "--batch-sizes", "1,2048"], "error: invalid --batch-sizes '1,2048': expected comma-separated "
                                                  "integers from 1 to 1024"),
    # TorchServe turns a max delay of 0 into 100 ms: the search starts at 1 ms there.
    (["fraud-scorer", "--delays-ms", "0,5"], "error: invalid --delays-ms '0,5': expected comma-separated integers "
                                             "from 1 to 60000"),
    (["fraud-scorer", "--p99-ms", "0"], "error: invalid --p99-ms '0': expected a number > 0"),
    (["fraud-scorer", "--p99-ms", "-5"], "error: invalid --p99-ms '-5': expected a number > 0"),
    (["fraud-scorer", "--p99-ms", "nan"], "error: invalid --p99-ms 'nan': expected a number > 0"),
    (["fraud-scorer", "--budget-s", "0"], "error: invalid --budget-s '0': expected a number > 0"),
    (["fraud-scorer", "--pick-at", "0"], "error: invalid --pick-at '0': expected an integer from 1 to 4096"),
    (["fraud-scorer", "--pick-at", "8,32"], "error: invalid --pick-at '8,32': expected an integer from 1 to 4096"),
    (["fraud-scorer", "--final-rounds", "0"], "error: invalid --final-rounds '0': expected an integer from 1 to 10"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, wrk_present, no_packaging, argv, message):
    assert one_line_error(capsys, argv) == message


def test_unknown_model_exits_2(capsys, wrk_present, no_packaging):
    line = one_line_error(capsys, ["no-such-model"])
    assert line.startswith("error: unknown model 'no-such-model': known models are ")
    assert "digit-reader, " in line and "fraud-scorer" in line


def test_smallest_objective_is_accepted_by_the_argument_check(capsys, monkeypatch, no_packaging):
    # 0.001 ms passes the objective check; the run then stops at the next check (no wrk on this PATH).
    monkeypatch.setattr(tune_load, "wrk_path", lambda: None)
    assert one_line_error(capsys, ["fraud-scorer", "--p99-ms", "0.001"]) == (
        "error: the load generator wrk is not on PATH: install it (Debian: apt-get install -y wrk)")


def test_unreachable_torchserve_exits_2(capsys, monkeypatch, wrk_present, no_packaging, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java"))
    assert one_line_error(capsys, ["fraud-scorer"]) == (
        "error: TorchServe cannot start: no java found (JAVA_HOME or PATH); its frontend needs Java 17 "
        "(Debian: apt-get install -y openjdk-17-jre-headless)")


def test_unreachable_triton_exits_2(capsys, monkeypatch, wrk_present, tmp_path):
    missing = tmp_path / "no-triton"
    monkeypatch.setenv("TRITONSERVER_DIST", str(missing))
    assert one_line_error(capsys, ["fraud-scorer", "--runtime", "triton"]) == (
        f"error: Triton cannot start: no tritonserver binary under '{missing}'; install: .venv/bin/pip install "
        "--no-deps --target .venv/opt/pytriton nvidia-pytriton==0.7.0 (or point TRITONSERVER_DIST at a "
        "pytriton/tritonserver directory)")


def test_out_that_is_a_file_exits_2(capsys, wrk_present, no_packaging, tmp_path):
    afile = tmp_path / "f"
    afile.write_text("x")
    assert one_line_error(capsys, ["fraud-scorer", "--out", str(afile)]) == (
        f"error: invalid --out '{afile}': expected a directory (or a path to create), but it is an existing file")


# -- the declaration's objective --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 0.0, -1, -0.5, math.inf, math.nan, True, "50", [50]])
def test_objective_must_be_a_positive_number(value):
    model = find_model("fraud-scorer")
    with pytest.raises(DeclarationError) as err:
        dataclasses.replace(model, latency_p99_ms=value)
    assert str(err.value) == (f"model 'fraud-scorer': invalid latency_p99_ms {value!r}: expected a number of "
                              "milliseconds > 0, or None")


@pytest.mark.parametrize("value", [None, 0.001, 1, 25, 12.5])
def test_objective_accepted(value):
    model = dataclasses.replace(find_model("fraud-scorer"), latency_p99_ms=value)
    assert model.latency_p99_ms == value
