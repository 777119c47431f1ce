"""Image build check: serve a tiny model through TorchServe the way a pod does, and answer one prediction.

`import torch, ts` proves nothing about serving: TorchServe's Python workers import modules that the
`torchserve` package does not depend on (PyYAML: `ts/model_service_worker.py` imports
`ts/metrics/metric_cache_yaml_impl.py`, which imports `yaml`; so does `ts/utils/util.py`, pytorch/serve v0.12.0).
Without it every worker dies at start, `/ping` stays healthy and predictions hang. So this check builds a
TorchScript `.mar` with a `BaseHandler` subclass (what every platform handler is), starts
`torchserve --foreground` on loopback, waits until the model's worker is READY (management API
`GET /models/check`), posts one request and compares the answer with the module's own output.
It fails, printing the server log's tail, as soon as a worker stops or after START_TIMEOUT_S.

`--gpu` also imports what TorchServe's GPU system metrics import (`ts/metrics/system_metrics.py`,
`collect_gpu`: `nvgpu`, `pynvml`, `nvgpu.list_gpus`, `pynvml.nvml.NVMLError_NotSupported`); there is no GPU at
build time to call them with.

Self-contained (standard library, torch, ts, model_archiver): the Dockerfile runs it, and so does
tests/test_torchserve_image.py in a virtualenv holding exactly the image's Python packages.
Exit status 0 and one `build check: OK ...` line, or 1 and the reason.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

MODEL = "check"
START_TIMEOUT_S = 90.0
# The frontend logs this whenever a worker stopped and is to be restarted (pytorch/serve v0.12.0
# frontend/server/src/main/java/org/pytorch/serve/wlm/WorkerThread.java, retry()).
WORKER_RETRY = "Retry worker:"

HANDLER = '''
import json

import torch
from ts.torch_handler.base_handler import BaseHandler


class CheckHandler(BaseHandler):
    def preprocess(self, data):
        rows = []
        for row in data:
            body = row.get("data") if row.get("data") is not None else row.get("body")
            if isinstance(body, (bytes, bytearray)):
                body = json.loads(body.decode("utf-8"))
            rows.append(torch.tensor(body, dtype=torch.float32))
        return torch.stack(rows)

    def postprocess(self, data):
        return data.tolist()
'''


def fail(reason: str, log: Path | None = None) -> None:
    tail = ""
    if log is not None and log.exists():  # the server log without access/metric lines and Java stack frames
        lines = [line for line in log.read_text(errors="replace").splitlines()
                 if not line.startswith("\tat ") and "ACCESS_LOG" not in line and "TS_METRICS" not in line]
        tail = "\n" + "\n".join(lines[-40:])
    print(f"build check: FAILED: {reason}{tail}", flush=True)
    sys.exit(1)


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def check_gpu_metric_imports() -> None:
    """The imports of TorchServe's GPU system metrics (pytorch/serve v0.12.0 ts/metrics/system_metrics.py)."""
    try:
        import nvgpu  # noqa: F401
        import pynvml
        from nvgpu import list_gpus  # noqa: F401

        pynvml.nvml.NVMLError_NotSupported  # noqa: B018 - the attribute collect_gpu catches
    except (ImportError, AttributeError) as err:
        fail(f"GPU metrics dependencies: {type(err).__name__}: {err}")


def serve_one_prediction(work: Path) -> str:
    import torch

    torch.manual_seed(0)
    module = torch.jit.script(torch.nn.Linear(2, 2).eval())
    module.save(str(work / "check.pt"))
    (work / "handler.py").write_text(HANDLER, encoding="utf-8")
    store = work / "model-store"
    store.mkdir()
    subprocess.run([sys.executable, "-c", "from model_archiver.model_packaging import generate_model_archive; "
                    "generate_model_archive()", "--model-name", MODEL,
                    "--version", "1.0", "--serialized-file", str(work / "check.pt"),
                    "--handler", str(work / "handler.py"), "--export-path", str(store)], check=True)
    inference, management, metrics, grpc_inference, grpc_management = free_ports(5)
    config = work / "config.properties"
    config.write_text("\n".join([
        f"inference_address=http://127.0.0.1:{inference}",
        f"management_address=http://127.0.0.1:{management}",
        f"metrics_address=http://127.0.0.1:{metrics}",
        "grpc_inference_address=127.0.0.1", "grpc_management_address=127.0.0.1",
        f"grpc_inference_port={grpc_inference}", f"grpc_management_port={grpc_management}",
        "disable_token_authorization=true", "enable_model_api=false",
        f"model_store={store}", f"load_models={MODEL}.mar", "default_workers_per_model=1",
    ]) + "\n", encoding="utf-8")
    tmp, logs = work / "tmp", work / "logs"
    tmp.mkdir()
    logs.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), TEMP=str(tmp), LOG_LOCATION=str(logs), METRICS_LOCATION=str(logs),
               JAVA_TOOL_OPTIONS=f"-Djava.io.tmpdir={tmp} -XX:-UsePerfData")
    log = work / "torchserve.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", "from ts.model_server import start; start()", "--start",
                                 "--foreground", "--ncs", "--ts-config", str(config), "--model-store", str(store)],
                                cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                fail(f"TorchServe exited with {proc.returncode}", log)
            if WORKER_RETRY in log.read_text(errors="replace"):
                fail("a TorchServe worker stopped while loading the model", log)
            try:
                workers = get_json(f"http://127.0.0.1:{management}/models/{MODEL}")[0]["workers"]
                if workers and all(w["status"] == "READY" for w in workers):
                    break
            except (OSError, ValueError, KeyError, IndexError):
                pass
            if time.monotonic() > deadline:
                fail(f"no READY worker for the model after {START_TIMEOUT_S:.0f} s", log)
            time.sleep(0.25)
        x = [[0.5, -1.0]]
        req = urllib.request.Request(f"http://127.0.0.1:{inference}/predictions/{MODEL}",
                                     data=json.dumps(x[0]).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                got = json.loads(resp.read())
        except (OSError, ValueError) as err:
            fail(f"prediction failed: {err}", log)
        with torch.no_grad():
            want = module(torch.tensor(x)).tolist()[0]
        if len(got) != len(want) or any(abs(a - b) > 1e-5 for a, b in zip(got, want)):
            fail(f"prediction {got} differs from the module's {want}", log)
        return f"TorchServe served {MODEL}.mar: {got}"
    finally:
        stop(proc, tmp)


def stop(proc: subprocess.Popen, tmp: Path) -> None:
    """SIGTERM to Java (its pid file), which stops its workers; then the launcher returns. SIGKILL the group if not."""
    try:
        os.kill(int((tmp / ".model_server.pid").read_text().strip()), signal.SIGTERM)
    except (OSError, ValueError):
        proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", help="also import TorchServe's GPU metrics dependencies")
    args = parser.parse_args(argv)
    if args.gpu:
        check_gpu_metric_imports()
    with tempfile.TemporaryDirectory(prefix="torchserve-build-check-") as tmp:
        line = serve_one_prediction(Path(tmp))
    print(f"build check: OK: {line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
