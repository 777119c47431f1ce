"""Run a real TorchServe on loopback for one packaged model: used by the end-to-end test and the benchmark.

Everything the server writes goes under one working directory: the pid file (`$TMPDIR/.model_server.pid`),
`java.io.tmpdir` (extracted archives, worker sockets; set through `TEMP`), logs (`LOG_LOCATION`), metrics
(`METRICS_LOCATION`). Its stdout/stderr go to a file, never a pipe: TorchServe keeps them open and a pipe
that nobody drains blocks the server. The server runs in its own session (`--foreground`, so the launcher
process lives as long as Java); `stop()` sends SIGTERM to Java (which stops its Python workers), waits for
the whole process group to end, escalates to SIGKILL of the group, and is safe to call twice.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

from models.packaging import package_torchserve
from models.spec import Model
from models.torchserve_config import config_properties


def free_ports(n: int) -> list[int]:
    """`n` distinct ports free on 127.0.0.1 right now (the kernel picks them)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def java_available() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    return bool(shutil.which(os.path.join(java_home, "bin", "java")) if java_home else shutil.which("java"))


def server_env(workdir: Path) -> dict[str, str]:
    """Environment that keeps every file TorchServe writes under `workdir` (see the module docstring)."""
    env = dict(os.environ)
    tmp = workdir / "tmp"
    for sub in ("tmp", "logs", "metrics"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    env.update({
        "TMPDIR": str(tmp), "TEMP": str(tmp),
        "LOG_LOCATION": str(workdir / "logs"), "METRICS_LOCATION": str(workdir / "metrics"),
        # No /tmp/hsperfdata_<user> (the JVM writes it to /tmp whatever java.io.tmpdir says).
        "JAVA_TOOL_OPTIONS": (env.get("JAVA_TOOL_OPTIONS", "") + " -XX:-UsePerfData").strip(),
    })
    return env


class LocalTorchServe:
    """One TorchServe on loopback serving `model` from `workdir/model-store` with a loopback config.

    Use as a context manager, or call `start()` / `stop()`. `model` may be a variant of a catalog model
    (e.g. `dataclasses.replace(model, batching=Batching(1, 0))`): the config is generated from it.
    If `mar` is given it is copied into the store instead of packaging `module` / the model's factory.
    `start()` waits until every declared worker is READY, or with `wait_for_workers=False` only until the server
    answers /ping (for artifacts whose workers are not expected to get ready).
    """

    def __init__(self, model: Model, workdir: os.PathLike, *, module=None, mar: Optional[os.PathLike] = None,
                 ready_timeout_s: float = 60.0, wait_for_workers: bool = True) -> None:
        self.model, self.workdir, self.module, self.mar = model, Path(workdir), module, mar
        self.ready_timeout_s, self.wait_for_workers = ready_timeout_s, wait_for_workers
        self.proc: Optional[subprocess.Popen] = None
        self.inference_port = self.management_port = self.metrics_port = 0
        self.log_path = self.workdir / "torchserve.out"

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> "LocalTorchServe":
        self.workdir.mkdir(parents=True, exist_ok=True)
        store = self.workdir / "model-store"
        ports = free_ports(5)
        self.inference_port, self.management_port, self.metrics_port = ports[:3]
        kwargs = dict(model_store=str(store), inference_port=ports[0], management_port=ports[1],
                      metrics_port=ports[2], grpc_inference_port=ports[3], grpc_management_port=ports[4],
                      bind="127.0.0.1")
        if self.mar is None:
            package_torchserve(self.model, self.workdir, module=self.module, **kwargs)
        else:
            store.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.mar, store / f"{self.model.name}.mar")
            config = self.workdir / "config" / "config.properties"
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(config_properties(self.model, **kwargs), encoding="utf-8")
        cmd = [sys.executable, "-c", "from ts.model_server import start; start()", "--start", "--foreground",
               "--ncs", "--ts-config", str(self.workdir / "config" / "config.properties"),
               "--model-store", str(store)]
        env = server_env(self.workdir)
        env["TS_CONFIG_FILE"] = str(self.workdir / "config" / "config.properties")  # as the platform's pods do
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self) -> None:
        """Until every declared worker of the model is READY (or, without `wait_for_workers`, /ping answers)."""
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"TorchServe exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if not self.wait_for_workers:
                    self.ping()
                    return
                workers = self.describe()["workers"]
                if len(workers) >= self.model.workers and all(w["status"] == "READY" for w in workers):
                    return
            except (OSError, ValueError, KeyError, IndexError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"TorchServe not ready after {self.ready_timeout_s:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout_s: float = 20.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        # Java first: it stops its Python workers and reaps them, then the --foreground launcher (its
        # parent) returns and we reap it. Signalling the launcher first would orphan Java.
        for pid in _group_alive(proc.pid):
            if pid != proc.pid:
                _signal(pid, signal.SIGTERM)
        if not _group_gone(proc, timeout_s):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            _group_gone(proc, 5.0)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def __enter__(self) -> "LocalTorchServe":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- clients --------------------------------------------------------------------------------------

    @property
    def predict_url(self) -> str:
        return f"http://127.0.0.1:{self.inference_port}/predictions/{self.model.name}"

    def ping(self) -> tuple[int, dict]:
        """GET /ping on the inference API: (HTTP status, decoded JSON body)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.inference_port}/ping", timeout=5) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def describe(self) -> dict:
        url = f"http://127.0.0.1:{self.management_port}/models/{self.model.name}"
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.loads(resp.read())[0]

    def predict(self, instance, timeout_s: float = 30.0) -> tuple[int, dict]:
        """POST one instance (nested list) as JSON; returns (HTTP status, decoded JSON body)."""
        body = instance if isinstance(instance, (bytes, bytearray)) else json.dumps(instance).encode()
        req = urllib.request.Request(self.predict_url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return err.code, json.loads(raw)
            except ValueError:
                return err.code, {"raw": raw.decode("utf-8", "replace")}

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> list[int]:
    """Pids of live (non-zombie) processes in process group `pgid`. Zombies are skipped: in some containers
    PID 1 never reaps orphans, and a dead worker must not make `stop()` wait for nothing."""
    alive = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp ...
        if fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            alive.append(int(entry.name))
    return alive


def _group_gone(proc: subprocess.Popen, wait_s: float) -> bool:
    """Wait up to `wait_s` until no live process of `proc`'s group is left (group id = leader's pid)."""
    deadline = time.monotonic() + wait_s
    while True:
        proc.poll()  # reap the leader
        if not _group_alive(proc.pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
