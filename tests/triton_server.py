"""A real Triton Inference Server on loopback, for tests.

The binary comes from the nvidia-pytriton wheel (Triton 2.51, CPU build with the Python backend), installed
outside the virtualenv's import path so its `numpy<2` pin does not clash with the project's numpy:

    .venv/bin/pip install --no-deps --target .venv/opt/pytriton nvidia-pytriton==0.7.0

The first test that needs it runs that command itself when the directory is missing (pip, from PyPI, ~55 MB).
`TRITONSERVER_DIST` may point at another `.../pytriton/tritonserver` directory instead. If the binary cannot
be had, the tests that need it skip, or fail under CI (CI=true) so that a missing install cannot pass unnoticed.

The wheel has no PyTorch backend, so `python_backend_repo` turns a packaged repository entry
(`<name>/config.pbtxt` + `<name>/1/model.pt`) into one Triton serves with the Python backend: same config
except `backend: "python"` (no platform) and CPU instances, plus `tests/triton_python_model.py` as `model.py`,
which runs the same `model.pt`.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Optional

import pytest

from models.triton_packaging import CONFIG_FILENAME, MODEL_FILENAME, VERSION, config_text, parse_config_pbtxt

REPO = Path(__file__).resolve().parent.parent
PIN = "nvidia-pytriton==0.7.0"
INSTALL_HINT = f".venv/bin/pip install --no-deps --target .venv/opt/pytriton {PIN}"
DEFAULT_TARGET = REPO / ".venv" / "opt" / "pytriton"
DEFAULT_DIST = DEFAULT_TARGET / "pytriton" / "tritonserver"
PYTHON_MODEL = Path(__file__).with_name("triton_python_model.py")
START_TIMEOUT_S = 90


def find_dist() -> Optional[Path]:
    dist = Path(os.environ.get("TRITONSERVER_DIST", DEFAULT_DIST))
    return dist if (dist / "bin" / "tritonserver").is_file() else None


def _install_default_dist() -> None:
    """pip-install the wheel next to (not into) the virtualenv's import path; atomic, so never half there."""
    if "TRITONSERVER_DIST" in os.environ or DEFAULT_DIST.exists() or not DEFAULT_TARGET.parent.parent.is_dir():
        return
    DEFAULT_TARGET.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="pytriton-", dir=DEFAULT_TARGET.parent))
    try:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--target", str(staging), PIN], check=True, timeout=600,
                       stdin=subprocess.DEVNULL, capture_output=True)
        staging.rename(DEFAULT_TARGET)
    except (OSError, subprocess.SubprocessError):
        pass  # reported by require_dist as a missing binary, with the command to run
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def require_dist() -> Path:
    dist = find_dist()
    if dist is None:
        _install_default_dist()
        dist = find_dist()
    if dist is None:
        message = f"no Triton binary at {os.environ.get('TRITONSERVER_DIST', DEFAULT_DIST)}; install: {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return dist


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def python_backend_repo(packaged: Path, repo: Path, name: Optional[str] = None) -> Path:
    """Copy the packaged model directory `packaged` (holding config.pbtxt and 1/model.pt) into Triton model
    repository `repo`, as `name` (default: its own), switched to the Python backend. Returns the new directory."""
    config = parse_config_pbtxt((packaged / CONFIG_FILENAME).read_text())
    name = name or config.name
    config.name = name
    config.platform = ""
    config.backend = "python"
    for group in config.instance_group:
        group.kind = group.KIND_CPU
    target = repo / name
    (target / VERSION).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(packaged / VERSION / MODEL_FILENAME, target / VERSION / MODEL_FILENAME)
    shutil.copyfile(PYTHON_MODEL, target / VERSION / "model.py")
    (target / CONFIG_FILENAME).write_text(config_text(config))
    return target


class TritonServer:
    """`tritonserver` serving `repo` on 127.0.0.1 (HTTP only); a context manager. `url` is its base URL."""

    def __init__(self, repo: Path, workdir: Path) -> None:
        self.dist = require_dist()
        self.repo, self.workdir = Path(repo), Path(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.workdir / "tritonserver.log"
        self.process: Optional[subprocess.Popen] = None

    def _backends(self) -> Path:
        """A backend directory with the Python backend and the stub for this interpreter's version."""
        backends = self.workdir / "backends"
        shutil.copytree(self.dist / "backends", backends, dirs_exist_ok=True)
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        shutil.copy2(self.dist / "python_backend_stubs" / version / "triton_python_backend_stub",
                     backends / "python" / "triton_python_backend_stub")
        return backends

    def start(self) -> "TritonServer":
        libs = self.dist.parent.parent / "nvidia_pytriton.libs"
        env = dict(os.environ)
        env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (str(libs), env.get("LD_LIBRARY_PATH", "")) if p)
        env["TRITON_TEST_SYS_PATH"] = os.pathsep.join(dict.fromkeys(
            (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])))
        env["OMP_NUM_THREADS"] = "1"
        cmd = [str(self.dist / "bin" / "tritonserver"),
               f"--model-repository={self.repo}", f"--backend-directory={self._backends()}",
               f"--cache-directory={self.dist / 'caches'}",
               "--http-address=127.0.0.1", f"--http-port={self.port}",
               "--allow-grpc=false", "--allow-metrics=false", "--allow-gpu-metrics=false",
               "--disable-auto-complete-config", "--strict-readiness=true", "--exit-timeout-secs=1",
               # Python-backend shared-memory regions are named globally: one prefix per server.
               f"--backend-config=python,shm-region-prefix-name=t{uuid.uuid4().hex[:12]}"]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=self.workdir, env=env)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tritonserver exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/v2/health/ready", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"tritonserver not ready after {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_bytes().decode("utf-8", "replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> "TritonServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
