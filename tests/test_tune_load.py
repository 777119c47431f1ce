"""Reading wrk 4.1's report (recorded output, no server) and the Lua script the tuner hands it."""
from __future__ import annotations

import pytest

from models.tune_load import Load, parse_wrk, write_script

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
    with pytest.raises(ValueError):
        write_script(tmp_path / "c.lua", "]==]", count_batches=False)
