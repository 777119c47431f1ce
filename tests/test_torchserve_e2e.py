"""End to end: package catalog models with the real packaging code, serve them with a real TorchServe 0.12.0
on loopback, and check what clients get back.

- predictions equal the PyTorch module's own softmax (the module the artifact was traced from);
- a burst of 32 concurrent requests is served in server-side batches (the handler reports the batch size
  it saw; more than 1, at most the declared max batch size);
- a malformed request in a batch gets its own 400 and does not spoil the others;
- the generated config.properties really applies: declared batching/workers, model API refused, token auth
  off, allowed_urls as intended, every file the server writes under its own working directory.

Needs Java 17 (TorchServe's frontend); skipped without it. About 20 s: two server starts.
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from models.handler import intra_op_threads
from models.packaging import build_module, find_model
from models.torchserve_local import LocalTorchServe, _group_alive, free_ports, java_available

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.skipif(not java_available(), reason="java not found (TorchServe's frontend needs Java 17)")

BURST = 32


def expected_probs(module, instances) -> "torch.Tensor":
    with torch.no_grad():
        return torch.softmax(module(torch.tensor(instances, dtype=torch.float32)), dim=1)


def burst(server: LocalTorchServe, bodies: list) -> list[tuple[int, dict]]:
    """Send all bodies at once from len(bodies) threads released together."""
    gate = threading.Barrier(len(bodies))

    def one(body):
        gate.wait()
        return server.predict(body)

    with cf.ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


@pytest.fixture(scope="module")
def fraud(tmp_path_factory):
    """fraud-scorer (tabular MLP; batch 16, 10 ms; 2 workers) served on loopback for this module."""
    model = find_model("fraud-scorer")
    module = build_module(model)
    server = LocalTorchServe(model, tmp_path_factory.mktemp("fraud-scorer"), module=module)
    server.start()
    try:
        yield model, module, server
    finally:
        server.stop()


def test_the_server_runs_in_its_work_folder_detached_from_the_caller(fraud):
    """TorchServe writes its logs and metrics under its working directory: the work folder, not the caller's; it
    reads nothing from the caller's terminal, and leads its own session so that stop() can signal exactly its
    process group (models/torchserve_local.py)."""
    _, _, server = fraud
    pid = server.proc.pid
    assert Path(f"/proc/{pid}/cwd").resolve() == server.workdir.resolve()
    assert os.readlink(f"/proc/{pid}/fd/0") == "/dev/null"
    assert os.getsid(pid) == pid and os.getpgid(pid) == pid


def test_predictions_equal_module_softmax(fraud):
    model, module, server = fraud
    gen = torch.Generator().manual_seed(1)
    instances = (torch.randn(6, *model.source.input_shape, generator=gen) * 2).tolist()
    want = expected_probs(module, instances)
    for instance, expected in zip(instances, want):
        status, body = server.predict(instance)
        assert status == 200, body
        assert torch.allclose(torch.tensor(body["probabilities"]), expected, atol=1e-6)
        assert body["label"] == model.source.labels[int(expected.argmax())]
        assert body["batch_size"] >= 1


def test_concurrent_burst_is_served_in_batches(fraud):
    model, module, server = fraud
    gen = torch.Generator().manual_seed(2)
    instances = torch.randn(BURST, *model.source.input_shape, generator=gen).tolist()
    want = expected_probs(module, instances)
    results = burst(server, instances)
    assert [status for status, _ in results] == [200] * BURST, results
    for (_, body), expected in zip(results, want):
        assert torch.allclose(torch.tensor(body["probabilities"]), expected, atol=1e-6)
    sizes = [body["batch_size"] for _, body in results]
    assert max(sizes) > 1, f"no request was batched: {sizes}"
    assert max(sizes) <= model.batching.max_batch_size


def test_bad_request_in_a_batch_gets_its_own_400(fraud):
    model, module, server = fraud
    good = [[0.1 * i] * 8 for i in range(15)]
    bodies = good[:7] + [[1.0, 2.0]] + good[7:]  # wrong shape in the middle of the burst
    results = burst(server, bodies)
    status, body = results[7]
    assert status == 400 and "expected shape [8], got [2]" in body["error"]
    want = expected_probs(module, good)
    rest = results[:7] + results[8:]
    assert [s for s, _ in rest] == [200] * len(good)
    for (_, b), expected in zip(rest, want):
        assert torch.allclose(torch.tensor(b["probabilities"]), expected, atol=1e-6)
    assert server.predict(b"not json")[0] == 400
    assert server.predict({"instances": [[0] * 8]})[0] == 400


def post(url: str, body: bytes) -> tuple[int, str, dict]:
    """POST `body` as JSON; (status, Content-Type, decoded JSON body)."""
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type"), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type"), json.loads(err.read())


def test_deeply_nested_body_fails_alone_in_its_batch(fraud):
    """A 2 KB body of brackets used to raise RecursionError in the handler: 503 for the whole batch."""
    model, module, server = fraud
    deep = b"[" * 1024 + b"]" * 1024
    good = [[0.05 * i] * 8 for i in range(14)]
    bodies = [json.dumps(g).encode() for g in good[:5]] + [deep] + [json.dumps(g).encode() for g in good[5:]]
    gate = threading.Barrier(len(bodies))

    def one(body):
        gate.wait()
        return post(server.predict_url, body)

    with cf.ThreadPoolExecutor(len(bodies)) as pool:
        results = list(pool.map(one, bodies))
    assert results[5] == (400, "application/json",
                          {"error": "body nests deeper than the input's 1 dimensions (expected shape [8])"})
    rest = results[:5] + results[6:]
    assert [(status, ctype) for status, ctype, _ in rest] == [(200, "application/json")] * 14, rest
    for (_, _, body), expected in zip(rest, expected_probs(module, good)):
        assert torch.allclose(torch.tensor(body["probabilities"]), expected, atol=1e-6)
    assert max(body["batch_size"] for _, _, body in rest) > 1, "the deep body was not batched with others"
    # One level too deep for the rank, well within Python's recursion limit: the same 400.
    assert post(server.predict_url, json.dumps([[0.0] * 8]).encode())[0] == 400


def test_explanations_are_a_clean_501(fraud):
    _, _, server = fraud
    url = f"http://127.0.0.1:{server.inference_port}/explanations/fraud-scorer"
    assert post(url, json.dumps([0.0] * 8).encode()) == (
        501, "application/json", {"error": "explanations are not supported by this model; use /predictions"})


def test_threads_follow_the_serving_config_not_the_archive(fraud, tmp_path):
    """The archive was packaged for 2 workers; the pod's config says 1: the worker sizes its threads for 1."""
    model, _, good = fraud
    one_worker = dataclasses.replace(model, workers=1)
    with LocalTorchServe(one_worker, tmp_path, mar=good.workdir / "model-store" / "fraud-scorer.mar") as server:
        assert len(server.describe()["workers"]) == 1
        log = server.log_path.read_text(errors="replace")
    config = tmp_path / "config" / "config.properties"
    assert f"shared by 1 workers, from {config} models.fraud-scorer.1.0.maxWorkers)" in log


def test_declared_server_settings_apply(fraud):
    model, _, server = fraud
    described = server.describe()
    assert described["modelVersion"] == "1.0"
    assert (described["batchSize"], described["maxBatchDelay"]) == (model.batching.max_batch_size,
                                                                     model.batching.max_delay_ms)
    assert described["minWorkers"] == described["maxWorkers"] == model.workers
    assert described["responseTimeout"] == 120
    assert len(described["workers"]) == model.workers


def test_model_api_refused_and_token_auth_off(fraud):
    _, _, server = fraud
    # /ping answered without any Authorization header (token auth would answer 400).
    with urllib.request.urlopen(f"http://127.0.0.1:{server.inference_port}/ping", timeout=5) as resp:
        assert json.loads(resp.read())["status"] == "Healthy"
    # Registration by URL (the CVE-2023-43654 path) is refused by enable_model_api=false.
    url = (f"http://127.0.0.1:{server.management_port}/models?"
           f"url=file://{server.workdir}/model-store/fraud-scorer.mar")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=5)
    assert err.value.code == 405


def test_allowed_urls_and_working_files(fraud):
    _, _, server = fraud
    log = server.log_path.read_text(errors="replace")
    store = str(server.workdir / "model-store")
    assert f"Allowed Urls: [file://{re.escape(store)}/.*\\.mar]" in log
    assert f"Temp directory: {server.workdir / 'tmp'}" in log
    assert (server.workdir / "tmp" / ".model_server.pid").is_file()
    assert (server.workdir / "logs" / "ts_log.log").is_file()
    assert not (server.workdir / "logs" / "config").exists(), "config snapshots are off (--ncs)"


def test_workers_share_the_cpu_budget(fraud):
    """Each worker runs its forward pass on (CPU budget // workers) threads, not one per node core."""
    model, _, server = fraud
    threads = int(os.environ.get("OMP_NUM_THREADS") or intra_op_threads(model.workers))
    log = server.log_path.read_text(errors="replace")
    assert log.count(f"torch intra-op threads: {threads}") == model.workers


def test_cnn_model_serves_and_stops_cleanly(tmp_path):
    """digit-reader (small CNN, 1x28x28, batch 32 / 5 ms): predictions, batching, and a clean stop."""
    model = find_model("digit-reader")
    module = build_module(model)
    gen = torch.Generator().manual_seed(3)
    instances = torch.rand(BURST, *model.source.input_shape, generator=gen).tolist()
    want = expected_probs(module, instances)
    with LocalTorchServe(model, tmp_path, module=module) as server:
        pgid = server.proc.pid
        status, body = server.predict(instances[0])
        assert status == 200 and torch.allclose(torch.tensor(body["probabilities"]), want[0], atol=1e-6)
        assert body["label"] == str(int(want[0].argmax()))
        results = burst(server, instances)
        assert [s for s, _ in results] == [200] * BURST
        for (_, b), expected in zip(results, want):
            assert torch.allclose(torch.tensor(b["probabilities"]), expected, atol=1e-6)
        assert max(b["batch_size"] for _, b in results) > 1
        port = server.inference_port
    assert _group_alive(pgid) == [], "TorchServe processes left after stop()"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2)


# -- readiness: the probes the platform renders, run against real servers -----------------------------------------

def rendered_probe_commands(model) -> dict[str, list[str]]:
    """The exec readiness commands as rendered for Phase 1 (the Deployment) and Phase 2 (the KServe runtime)."""
    import pulumi
    import pulumi_kubernetes as k8s

    from components.kserve.runtimes import torchserve_runtime
    from components.torchserve.model import TorchServeModel, TorchServeModelArgs
    from stacks.render import run_program

    def program():
        TorchServeModel(model.name, TorchServeModelArgs(model=model, namespace="inference"),
                        opts=pulumi.ResourceOptions(provider=k8s.Provider("private", context="test")))

    phase1 = run_program(program, stack="test", config={}).find("Deployment", model.name)
    [phase2] = torchserve_runtime()["spec"]["containers"]
    return {"phase1": phase1["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["exec"]["command"],
            "kserve": phase2["readinessProbe"]["exec"]["command"]}


def run_probe(command: list[str], server: LocalTorchServe) -> tuple[int, str]:
    """Run a rendered probe command here: this interpreter for `python`, the server's management port for 8081."""
    assert command[0] == "python" and command[3] == "http://127.0.0.1:8081", command
    local = [sys.executable, *command[1:3], f"http://127.0.0.1:{server.management_port}", *command[4:]]
    proc = subprocess.run(local, capture_output=True, text=True, timeout=30)
    return proc.returncode, proc.stdout


def corrupt_weights(mar: Path, out: Path) -> Path:
    """A copy of `mar` whose TorchScript file is garbage: the archive registers, every worker crash-loops."""
    with zipfile.ZipFile(mar) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, b"not torchscript" * 64 if item.filename.endswith(".pt") else src.read(item.filename))
    return out


def wait_for_log(server: LocalTorchServe, text: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in server.log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no {text!r} in the server log:\n{server.log_tail()}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def probes():
    return rendered_probe_commands(find_model("fraud-scorer"))


def test_readiness_probes_pass_with_a_ready_worker(fraud, probes):
    _, _, server = fraud
    assert run_probe(probes["phase1"], server) == (0, "ready: fraud-scorer\n")
    assert run_probe(probes["kserve"], server) == (0, "ready: fraud-scorer\n")


def test_corrupt_weights_are_not_ready_although_ping_is_healthy(fraud, probes, tmp_path):
    """Workers crash-loop (torch.jit.load fails): /ping stays Healthy, the readiness probes fail."""
    model, _, good = fraud
    bad = corrupt_weights(good.workdir / "model-store" / "fraud-scorer.mar", tmp_path / "bad.mar")
    with LocalTorchServe(model, tmp_path / "server", mar=bad, wait_for_workers=False) as server:
        wait_for_log(server, "Retry worker:")  # a worker died and is being restarted
        assert server.ping() == (200, {"status": "Healthy"})
        statuses = {w["status"] for w in server.describe()["workers"]}
        assert "READY" not in statuses, statuses
        assert run_probe(probes["phase1"], server) == (1, "not ready: no READY worker for fraud-scorer\n")
        assert run_probe(probes["kserve"], server) == (1, "not ready: no READY worker for fraud-scorer\n")


def test_unreadable_archive_is_not_ready_although_ping_is_healthy(fraud, probes, tmp_path):
    """A truncated .mar never registers: /ping is Healthy with no model at all, the readiness probes fail."""
    model, _, good = fraud
    truncated = tmp_path / "truncated.mar"
    truncated.write_bytes((good.workdir / "model-store" / "fraud-scorer.mar").read_bytes()[:1000])
    with LocalTorchServe(model, tmp_path / "server", mar=truncated, wait_for_workers=False) as server:
        wait_for_log(server, "Model server started.")
        assert server.ping() == (200, {"status": "Healthy"})
        assert run_probe(probes["phase1"], server) == (1, "not ready: HTTPError: HTTP Error 404: Not Found\n")
        assert run_probe(probes["kserve"], server) == (1, "not ready: no model registered\n")


def test_readiness_probe_fails_when_nothing_listens(probes, tmp_path):
    server = LocalTorchServe(find_model("fraud-scorer"), tmp_path)
    server.management_port = free_ports(1)[0]
    code, out = run_probe(probes["phase1"], server)
    assert code == 1 and out.startswith("not ready: URLError: ") and "Connection refused" in out
