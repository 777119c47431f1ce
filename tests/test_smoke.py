"""`python -m models smoke URL MODEL` against a real Triton Inference Server on loopback.

The server is Triton 2.51 from the nvidia-pytriton wheel (see tests/triton_server.py), serving the repository
`package_triton` wrote (config.pbtxt as generated, but on the Python backend and CPU instances, since that
build has no PyTorch backend; the same model.pt runs). Checked: PASS for the right weights (tabular and CNN),
PASS without comparison for a model outside the catalog, FAIL for wrong weights under the right name, FAIL for
a model the server does not have, and a one-line FAIL without traceback when nothing listens.
"""
from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import torch

from models.packaging import build_module
from models.registry import load_catalog
from models.smoke import SmokeFailure, _pick, smoke
from models.spec import Batching
from models.triton_packaging import package_triton
from tests.messages import exactly
from tests.triton_server import TritonServer, free_port, python_backend_repo, require_dist

REPO = Path(__file__).resolve().parent.parent
TABULAR, CNN, UNCATALOGUED, UNBATCHED = "fraud-scorer", "digit-reader", "uncatalogued-mlp", "fraud-scorer-b1"


def run_smoke(url: str, model: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "models", "smoke", url, model, *extra], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def one_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    return lines[0]


def unbatched(catalog):
    """The tabular model declared with max_batch_size 1 (a correct model that takes one row per request)."""
    return dataclasses.replace(catalog[TABULAR], name=UNBATCHED, batching=Batching(max_batch_size=1, max_delay_ms=1))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def server(tmp_path_factory, catalog):
    """Triton serving the catalog's tabular and CNN models, and the tabular one under a name not in the catalog."""
    require_dist()
    tmp = tmp_path_factory.mktemp("smoke-good")
    for name in (TABULAR, CNN):
        package_triton(catalog[name], tmp / "packaged")
        python_backend_repo(tmp / "packaged" / name, tmp / "repo")
    python_backend_repo(tmp / "packaged" / TABULAR, tmp / "repo", name=UNCATALOGUED)
    package_triton(unbatched(catalog), tmp / "packaged")
    python_backend_repo(tmp / "packaged" / UNBATCHED, tmp / "repo")
    with TritonServer(tmp / "repo", tmp) as triton:
        yield triton


@pytest.fixture(scope="module")
def wrong_server(tmp_path_factory, catalog):
    """Triton serving the tabular model's architecture with perturbed weights under the catalog name."""
    require_dist()
    tmp = tmp_path_factory.mktemp("smoke-wrong")
    module = build_module(catalog[TABULAR])
    gen = torch.Generator().manual_seed(99)
    with torch.no_grad():
        for param in module.parameters():
            param.add_(0.2 * torch.randn(param.shape, generator=gen))
    package_triton(catalog[TABULAR], tmp / "packaged", module=module)
    python_backend_repo(tmp / "packaged" / TABULAR, tmp / "repo")
    with TritonServer(tmp / "repo", tmp) as triton:
        yield triton


@pytest.mark.parametrize("model", [TABULAR, CNN])
def test_pass_for_the_right_model(server, model):
    proc = run_smoke(server.url, model)
    line = one_line(proc)
    assert proc.returncode == 0, line
    assert line.startswith(f"PASS {model} at {server.url}: ")
    assert "matches the local module" in line


def test_pass_for_a_model_with_max_batch_size_1(server, catalog):
    """Triton refuses a batch above max_batch_size: the smoke check used to send 2 rows whatever the model took."""
    with urllib.request.urlopen(f"{server.url}/v2/models/{UNBATCHED}/config", timeout=10) as response:
        assert json.load(response)["max_batch_size"] == 1
    result = smoke(server.url, UNBATCHED, catalog={UNBATCHED: unbatched(catalog)})
    assert result.ok, result.line
    assert result.line.startswith(f"PASS {UNBATCHED} at {server.url}: live, ready, OUTPUT__0 [1, 3] matches the "
                                  "local module")


def test_a_batchable_model_gets_two_rows(server):
    line = one_line(run_smoke(server.url, TABULAR))
    assert "OUTPUT__0 [2, 3] matches the local module" in line


def test_triton_serves_the_generated_batching_config(server):
    """Triton itself accepted config.pbtxt and reports the declared batching and instance count."""
    with urllib.request.urlopen(f"{server.url}/v2/models/{TABULAR}/config", timeout=10) as response:
        config = json.load(response)
    assert config["max_batch_size"] == 16
    assert config["dynamic_batching"]["preferred_batch_size"] == [2, 4, 8, 16]
    assert int(config["dynamic_batching"]["max_queue_delay_microseconds"]) == 10_000
    assert [(g["kind"], g["count"]) for g in config["instance_group"]] == [("KIND_CPU", 2)]
    assert config["input"][0]["dims"] == [8] and config["output"][0]["dims"] == [3]


def test_pass_without_comparison_outside_the_catalog(server):
    proc = run_smoke(server.url, UNCATALOGUED)
    line = one_line(proc)
    assert proc.returncode == 0, line
    assert line.startswith(f"PASS {UNCATALOGUED}") and "not in the catalog" in line


def test_fail_when_the_server_returns_wrong_numbers(wrong_server):
    proc = run_smoke(wrong_server.url, TABULAR)
    line = one_line(proc)
    assert proc.returncode == 1
    assert line.startswith(f"FAIL {TABULAR} at {wrong_server.url}: output differs from the local module")


def test_wrong_numbers_pass_only_with_a_meaningless_tolerance(wrong_server):
    assert run_smoke(wrong_server.url, TABULAR, "--atol", "1000").returncode == 0


def test_fail_when_the_model_is_not_loaded(server):
    proc = run_smoke(server.url, "fx-pricer")  # in the catalog, not on this server
    line = one_line(proc)
    assert proc.returncode == 1
    assert line.startswith("FAIL fx-pricer") and "model is not ready" in line


def test_clear_error_when_nothing_listens():
    url = f"http://127.0.0.1:{free_port()}"
    proc = run_smoke(url, TABULAR, "--timeout", "5")
    line = one_line(proc)
    assert proc.returncode == 1
    assert line == f"FAIL {TABULAR} at {url}: connection refused (is the server running and the port right?)"
    assert proc.stderr == ""


def test_bad_url_is_a_fail_line_not_an_exception():
    result = smoke("ftp://127.0.0.1:1", TABULAR, catalog={})
    assert not result.ok and result.line.startswith(f"FAIL {TABULAR} at ftp://127.0.0.1:1: bad URL")


def test_tolerance_absorbs_measured_gpu_noise_but_not_wrong_weights():
    """On an H100 the CNN's logits (max ~36) moved by 2.2e-3 at batch 256 (benchmarks/gpu_parity.py); a fixed
    atol of 1e-3 would fail that correct deployment. Perturbed weights move them by far more."""
    import numpy as np

    from models.smoke import outputs_match

    rng = np.random.default_rng(0)
    local = rng.normal(scale=12.0, size=(256, 10))
    local[0, 0] = 36.4
    gpu_like = local + rng.uniform(-2.2e-3, 2.2e-3, size=local.shape)
    assert outputs_match(gpu_like, local)[0]
    assert not outputs_match(gpu_like, local, atol=0.0, rtol=0.0)[0]
    wrong = local + rng.normal(scale=0.5, size=local.shape)
    ok, diff, atol = outputs_match(wrong, local)
    assert not ok and diff > 10 * atol


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://127.0.0.1:0", "http://127.0.0.1:port",
                                 "http://:8000", "https://", "ftp://127.0.0.1:1"])
def test_bad_url_is_refused_before_the_client_exists(url):
    """A port out of range used to reach tritonclient, whose half-built client printed a __del__ traceback."""
    proc = run_smoke(url, "fx-pricer", "--timeout", "5")
    line = one_line(proc)
    assert proc.returncode == 1 and proc.stderr == ""
    assert line.startswith(f"FAIL fx-pricer at {url}: bad URL {url!r}: expected http://host:port")
    assert "1 to 65535" in line


def test_check_url_accepts_host_port_and_path():
    from models.smoke import check_url

    assert check_url("127.0.0.1:8000").netloc == "127.0.0.1:8000"
    assert check_url("https://models.example/v2root/").path == "/v2root/"
    assert check_url("http://[::1]:65535").port == 65535


def test_every_answer_in_process_as_reviewed(server, wrong_server, catalog):
    """The lines themselves, with the check run in this process (the subprocess tests above cover the CLI)."""
    cases = [(server, TABULAR, {}), (server, CNN, {}), (server, UNCATALOGUED, {}), (server, "fx-pricer", {}),
             (server, UNBATCHED, {"catalog": {UNBATCHED: unbatched(catalog)}}), (wrong_server, TABULAR, {})]
    for triton, model, extra in cases:
        result = smoke(triton.url, model, **extra)
        assert result.ok is result.line.startswith("PASS ")
        line = result.line.replace(triton.url, "<url>")
        if result.ok:  # a correct model's difference is rounding noise, 0 on one CPU and 1e-07 on another
            assert re.search(r"max \|diff\| (0|[0-9.]+e-0[5-9]),", line) or "not in the catalog" in line, line
            line = re.sub(r"max \|diff\| [^,]+,", "max |diff| …,", line)
        exactly(line)


def test_the_named_tensor_is_preferred_and_the_first_one_otherwise():
    assert _pick([{"name": "logits"}, {"name": "OUTPUT__0"}], "OUTPUT__0", "output") == {"name": "OUTPUT__0"}
    assert _pick([{"name": "logits"}, {"name": "probs"}], "OUTPUT__0", "output") == {"name": "logits"}
    with pytest.raises(SmokeFailure) as raised:
        _pick([], "INPUT__0", "input")
    assert str(raised.value) == "model metadata lists no inputs"


def test_a_host_that_does_not_resolve_is_a_fail_line():
    """An OSError (here the name lookup) is one FAIL line naming its type, not a traceback."""
    url = "http://model.invalid:8000"
    result = smoke(url, TABULAR, catalog={}, timeout=5)
    assert not result.ok
    assert result.line.startswith(f"FAIL {TABULAR} at {url}: cannot reach the server (gaierror: ")
    assert result.line.endswith(")") and "\n" not in result.line


def test_any_other_error_is_one_line_with_its_type_and_its_text(monkeypatch):
    """InferenceServerException, bad JSON and the like: the type, then the text on one line (whitespace folded), or
    the type alone when the error has no text."""
    import models.smoke as smoke_module

    for error, said in ((ValueError("bad\n  answer   body"), "ValueError: bad answer body"),
                        (KeyError(), "KeyError: KeyError")):
        def fail(*_args, error=error):
            raise error

        monkeypatch.setattr(smoke_module, "_checks", fail)
        result = smoke("http://127.0.0.1:1", TABULAR, catalog={})
        assert (result.ok, result.line) == (False, f"FAIL {TABULAR} at http://127.0.0.1:1: {said}")
