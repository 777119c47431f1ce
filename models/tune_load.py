"""Load a local inference server with `wrk` and read back what it measured.

Why wrk: on a small machine the load generator competes with the server for the same cores, and a Python client
(one thread per connection) saturates near 1,600 req/s on 2 cores, hiding most of what batching does (see
FIELD-NOTES). wrk (Debian package `wrk`, 4.1) costs little CPU, keeps connections alive, and reports latency
percentiles; a Lua script makes it POST one JSON instance and, optionally, add up the `batch_size` each TorchServe
answer carries (`models/handler.py`), which gives the request-weighted mean batch size.

A Lua error does not stop wrk: it goes on sending bare GETs. The script's `done` hook prints a `LOAD_DONE` line;
its absence means the script did not run as written, and the measurement is refused.
"""
from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

INSTALL_HINT = "install it (Debian: apt-get install -y wrk)"

_SCRIPT = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[%(body)s]==]  -- level-2 long string: a JSON body may start with "["

-- Per-thread counters (each wrk thread loads this script in its own Lua state).
batch_sum = 0
responses = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
%(response)s
function done(summary, latency, requests)
  local s, r = 0, 0
  for _, t in ipairs(threads) do s = s + t:get("batch_sum"); r = r + t:get("responses") end
  io.write(string.format("LOAD_DONE %%.3f %%d\n", r > 0 and s / r or 0, r))
end
"""
# Defining response() makes wrk parse every body, which costs it CPU: only when the answer carries the batch size.
_COUNT_BATCHES = r"""
function response(status, headers, body)
  local n = string.match(body, '"batch_size":%s*(%d+)')
  if n then batch_sum = batch_sum + tonumber(n); responses = responses + 1 end
end
"""

_UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclasses.dataclass(frozen=True)
class Load:
    """One wrk run: requests/s, latency percentiles (ms), failed requests, and the mean batch size the answers
    reported (None when the script did not count them)."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    mean_batch: Optional[float]

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def wrk_path() -> Optional[str]:
    return shutil.which("wrk")


def write_script(path: Path, body: str, *, count_batches: bool) -> Path:
    """The Lua script that POSTs `body` (JSON text); with `count_batches`, it also averages `batch_size`."""
    if "]==]" in body:
        raise ValueError("request body contains the Lua long-string terminator ]==]")
    path.write_text(_SCRIPT % {"body": body, "response": _COUNT_BATCHES if count_batches else ""}, encoding="utf-8")
    return path


def run_wrk(url: str, script: Path, *, connections: int, duration_s: float, threads: int = 2) -> str:
    """wrk's report for `duration_s` seconds (whole seconds, at least 1) of `connections` keep-alive clients."""
    seconds = max(1, round(duration_s))
    cmd = [wrk_path() or "wrk", f"-t{max(1, min(threads, connections))}", f"-c{connections}", f"-d{seconds}s",
           "--timeout", "10s", "--latency", "-s", str(script), url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, stdin=subprocess.DEVNULL)
    if done.returncode != 0 or "LOAD_DONE" not in done.stdout:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}\n{done.stdout}")
    return done.stdout


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * _UNIT_MS[unit]


def parse_wrk(out: str) -> Load:
    """Parse wrk 4.1's `--latency` report plus the script's LOAD_DONE line."""
    try:
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
        p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
        requests = int(re.search(r"^\s+(\d+) requests in", out, re.M).group(1))
        batch_mean, counted = re.search(r"LOAD_DONE ([\d.]+) (\d+)", out).groups()
    except AttributeError:
        raise RuntimeError(f"could not parse wrk output:\n{out}") from None
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Load(rps=rps, p50_ms=p50, p99_ms=p99, requests=requests,
                non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
                socket_errors=sum(map(int, errors.groups())) if errors else 0,
                mean_batch=float(batch_mean) if int(counted) > 0 else None)


def measure(url: str, script: Path, *, connections: int, duration_s: float) -> Load:
    return parse_wrk(run_wrk(url, script, connections=connections, duration_s=duration_s))
