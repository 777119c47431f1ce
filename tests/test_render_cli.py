"""`python -m stacks render`: the main job. Real stack files in, files out; bad input out with exit 2 and nothing written."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stacks.__main__ import main as render_main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stacks", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=300)


@pytest.mark.parametrize("stack", ["private", "public"])
def test_each_real_stack_file_renders_to_json_and_manifests(tmp_path, stack):
    out = tmp_path / stack
    result = run_cli("render", stack, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"stack {stack}:" in result.stdout and "validated:" in result.stdout
    doc = json.loads((out / "resources.json").read_text())
    assert doc["stack"] == stack and doc["resources"]
    for r in doc["resources"]:
        assert set(r) >= {"type", "name", "parent", "cluster", "inputs", "depends_on"}
    manifests = sorted((out / "manifests").glob("*.yaml"))
    assert manifests, "no cluster manifests written"
    for path in manifests:
        objects = [o for o in yaml.safe_load_all(path.read_text()) if o]
        assert objects and all({"apiVersion", "kind", "metadata"} <= set(o) for o in objects)
        # Applyable: every object names itself, and the file holds only that cluster's objects.
        cluster = path.stem
        registered = [r for r in doc["resources"] if r["cluster"] == cluster and "apiVersion" in r["inputs"]
                      and r["type"] != "kubernetes:helm.sh/v3:Release" and not r.get("read_id")]
        assert len(objects) == len(registered)


def test_resources_json_keeps_declaration_order_and_parents(private_render):
    keys = [r.key for r in private_render.resources]
    assert keys.index("pulumi:providers:kubernetes::private") < keys.index("kubernetes:core/v1:Namespace::models-namespace")
    for r in private_render.resources:
        if r.parent:
            assert keys.index(r.parent) < keys.index(r.key), f"{r.key} listed before its parent {r.parent}"


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text,needle", [
    ("config:\n  platform:phase: phase-9\n", "invalid phase 'phase-9'"),
    ("config:\n  platform:phase: kserve\n  platform:models:\n    nope: {}\n", "invalid model 'nope'"),
    ("config:\n  platform:phase: kserve\n  platform:models:\n    fraud-scorer: {minReplicas: -2}\n",
     "platform:models.fraud-scorer: invalid minReplicas -2"),
    ("config:\n  platform:phase: torchserve\n  platform:modles: {}\n", "invalid modles"),
])
def test_bad_config_exits_2_names_the_field_and_writes_nothing(tmp_path, text, needle):
    out = tmp_path / "out"
    result = run_cli("render", "private", "--out", str(out), "--config-file", str(write_config(tmp_path, text)))
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_bad_declaration_exits_2_without_traceback(tmp_path, monkeypatch):
    """A broken model file in the catalog stops the render before anything is registered."""
    import models.registry as registry
    from models.errors import DeclarationError

    def broken_catalog(*_a, **_k):
        raise DeclarationError("bad-model", "batching.max_batch_size", 0, "an integer from 1 to 1024")

    monkeypatch.setattr(registry, "load_catalog", broken_catalog)
    monkeypatch.setattr("stacks.private.load_catalog", broken_catalog)
    out = tmp_path / "out"
    assert render_main(["render", "private", "--out", str(out)]) == 2
    assert not out.exists()


def test_missing_config_file_is_a_clear_error(tmp_path):
    result = run_cli("render", "private", "--out", str(tmp_path / "o"), "--config-file", str(tmp_path / "none.yaml"))
    assert result.returncode == 2 and "file not found" in result.stderr


def test_renders_in_one_process_do_not_leak_outputs_into_each_other(private_render, public_render):
    assert "karmadaAgentCredentials" in private_render.outputs
    assert "karmadaAgentCredentials" not in public_render.outputs
    assert set(public_render.outputs) >= {"memberName", "gpuNodeGroups"}


def test_a_user_mistake_wrapped_by_the_sdk_is_still_found():
    from models.errors import ConfigError
    from stacks.__main__ import platform_error_in

    mistake = ConfigError("platform:gpuNodeGroups", "gpuType", "k80", "one of 't4'")
    try:
        try:
            raise mistake
        except ConfigError as inner:
            raise ValueError("apply failed") from inner
    except ValueError as outer:
        assert platform_error_in(outer) is mistake
    assert platform_error_in(ValueError("a platform bug")) is None
