"""Reading wrk 4.1's report (recorded output, no server) and the Lua script the tuner hands it."""
from __future__ import annotations

from pathlib import Path

import pytest

from models import tune_load
from models.tune_load import Load, parse_wrk, write_script
from tests.messages import exactly

REPORT = """Running 2s test @ http://127.0.0.1:41234/predictions/fraud-scorer
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.81ms    4.02ms  48.20ms   81.00%
    Req/Sec     2.41k   310.00     2.90k    70.00%
  Latency Distribution
     50%    5.93ms
     75%    8.10ms
     90%   11.02ms
     99%    1.02s
  9650 requests in 2.00s, 3.46MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   4822.51
Transfer/sec:      1.73MB
LOAD_DONE 15.873 9646
"""

SILENT = """Running 2s test @ http://127.0.0.1:41234/predictions/digit-reader
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 2.01s, 0.00B read
Requests/sec:      0.00
Transfer/sec:       0.00B
LOAD_DONE 0.000 0
"""


def test_parse_full_report():
    assert parse_wrk(REPORT) == Load(rps=4822.51, p50_ms=5.93, p99_ms=1020.0, requests=9650, non_2xx=4,
                                     socket_errors=3, mean_batch=15.873)
    assert parse_wrk(REPORT).errors == 7


def test_parse_a_window_in_which_nothing_answered():
    load = parse_wrk(SILENT)
    assert (load.rps, load.p99_ms, load.requests, load.errors, load.mean_batch) == (0.0, 0.0, 0, 0, None)


def test_a_report_without_the_scripts_line_is_refused():
    # wrk goes on with bare GETs after a Lua error: without LOAD_DONE the figures are not the POSTs asked for.
    with pytest.raises(RuntimeError, match="could not parse wrk output"):
        parse_wrk(REPORT.replace("LOAD_DONE 15.873 9646\n", ""))


def test_script_posts_the_body_and_counts_batches_only_when_asked(tmp_path):
    body = '[0.1, 0.2]'
    counting = write_script(tmp_path / "a.lua", body, count_batches=True).read_text()
    plain = write_script(tmp_path / "b.lua", body, count_batches=False).read_text()
    assert 'wrk.method = "POST"' in plain and "wrk.body = [==[[0.1, 0.2]]==]" in plain
    assert "function response(" in counting and "function response(" not in plain
    assert """string.match(body, '"batch_size":%s*(%d+)')""" in counting
    with pytest.raises(ValueError) as raised:
        write_script(tmp_path / "c.lua", "]==]", count_batches=False)
    exactly(str(raised.value))


def _fake_wrk(tmp_path, monkeypatch, *, exit_code: int, prints: str) -> Path:
    """A `wrk` that records its arguments and answers with `prints` and `exit_code`."""
    args_file = tmp_path / "args"
    fake = tmp_path / "wrk"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {args_file}\nprintf '{prints}'\nexit {exit_code}\n")
    fake.chmod(0o755)
    monkeypatch.setattr(tune_load, "wrk_path", lambda: str(fake))
    return args_file


def test_wrk_is_run_with_the_clients_duration_and_script_asked_for(tmp_path, monkeypatch):
    args_file = _fake_wrk(tmp_path, monkeypatch, exit_code=0, prints="report\\nLOAD_DONE 1.0 0\\n")
    script = tmp_path / "load.lua"
    out = tune_load.run_wrk("http://127.0.0.1:1/p", script, connections=32, duration_s=2.6)
    assert out == "report\nLOAD_DONE 1.0 0\n"
    assert args_file.read_text().splitlines() == ["-t2", "-c32", "-d3s", "--timeout", "10s", "--latency", "-s",
                                                   str(script), "http://127.0.0.1:1/p"]
    tune_load.run_wrk("http://h/p", script, connections=1, duration_s=0.2, threads=4)
    assert args_file.read_text().splitlines()[:3] == ["-t1", "-c1", "-d1s"]  # never more threads than clients


@pytest.mark.parametrize("exit_code, prints", [(0, "report without the line\\n"), (1, "LOAD_DONE 1.0 0\\n")])
def test_a_wrk_run_that_failed_or_did_not_finish_the_script_is_an_error(tmp_path, monkeypatch, exit_code, prints):
    _fake_wrk(tmp_path, monkeypatch, exit_code=exit_code, prints=prints)
    with pytest.raises(RuntimeError, match=rf"wrk failed \({exit_code}\)"):
        tune_load.run_wrk("http://h/p", tmp_path / "s.lua", connections=2, duration_s=1)
