"""`python -m stacks render`: the main job. Real stack files in, files out; bad input out with exit 2 and nothing written."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from models.errors import ConfigError
from stacks.__main__ import main as render_main
from tests.registrations import record_registrations
from tests.messages import exactly

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stacks", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",  # the CRD folder, if named:
                               **{k: v for k, v in os.environ.items() if k == "PLATFORM_CRDS_DIR"}}, timeout=300)


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
    ("config:\n  platform:phase: torchserve\n  platform:modles: {}\n", "invalid key 'modles'"),
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
    assert "karmadaAgentCredentials-aws-use1" in private_render.outputs
    assert not any(o.startswith("karmadaAgentCredentials") for o in public_render.outputs)
    assert set(public_render.outputs) == {"memberName", "region", "clusterName", "meshReader", "karmadaRegistration",
                                          "karmadaAgent", "batchEndpoints"}


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


# -- User mistakes caught before anything is registered or written ------------------------------------------

PRIVATE_TEXT = (ROOT / "Pulumi.private.yaml").read_text()


def private_with(old: str, new: str) -> str:
    assert old in PRIVATE_TEXT, old
    return PRIVATE_TEXT.replace(old, new, 1)


@pytest.mark.parametrize("text,needle", [
    (private_with("apiEndpoint: https://karmada.corp.example:32443", 'apiEndpoint: "https://"'),
     "platform:karmada: invalid apiEndpoint 'https://': expected an https:// URL with a host"),
    (private_with("apiEndpoint: https://karmada.corp.example:32443",
                  "apiEndpoint: https://karmada-apiserver.other.svc:5443"),
     "invalid apiEndpoint 'https://karmada-apiserver.other.svc:5443'"),
    (private_with("platform:members: [public]", "platform:members: [nosuch-public]"),
     "platform: invalid members 'nosuch-public': expected the name of a public stack whose file "
     "Pulumi.nosuch-public.yaml is in the project"),
    (private_with('source: "s3://ml-artifacts"', 'source: "https://"'),
     "platform:bucketMirrors[0]: invalid source 'https://'"),
    (private_with("platform:namespace: inference", "platform:namespace: kube-system"),
     "platform: invalid namespace 'kube-system'"),
    (private_with("platform:namespace: inference", "platform:namespace: inference\n  platfrom:models: {}"),
     "config: invalid platfrom:models {}: expected a key under one of the namespaces"),
    (private_with("platform:members: [public]", "platform:members: [private]"),
     "platform:members[0]: invalid stack 'private': expected the name of a public stack"),
    (private_with("ingressDomain: inference.corp.example", "ingressDomain: https://inference.corp.example"),
     "platform:kserve: invalid ingressDomain 'https://inference.corp.example'"),
    (private_with("fraud-scorer: {phase: kserve, minReplicas: 3}", "fraud-scorer: {phase: kserve, minReplicas: 50}"),
     "platform:models.fraud-scorer: invalid minReplicas 50: expected at most the declaration's max_replicas (6)"),
])
def test_mistakes_that_used_to_fail_late_or_not_at_all_register_nothing(tmp_path, monkeypatch, capsys, text,
                                                                        needle):
    registered = record_registrations(monkeypatch)
    out = tmp_path / "out"
    config_file = str(write_config(tmp_path, text))
    assert render_main(["render", "private", "--out", str(out), "--config-file", config_file]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert registered == {} and not out.exists()


def test_a_key_set_twice_in_the_stack_file_is_an_error_naming_it(tmp_path):
    text = private_with("platform:namespace: inference", "platform:namespace: inference\n  platform:namespace: other")
    out = tmp_path / "out"
    result = run_cli("render", "private", "--out", str(out), "--config-file", str(write_config(tmp_path, text)))
    assert result.returncode == 2, result.stderr
    assert ("invalid platform:namespace 'other': expected each key once per mapping (already set on line"
            in result.stderr)
    assert "Traceback" not in result.stderr and not out.exists()


def test_a_key_set_twice_in_a_nested_mapping_is_an_error_too():
    from stacks.__main__ import _UniqueKeyLoader

    with pytest.raises(ConfigError) as info:
        yaml.load("config:\n  platform:kserve:\n    ingressDomain: a.example\n    ingressDomain: b.example\n",
                  Loader=_UniqueKeyLoader)
    assert (info.value.field, info.value.value) == ("ingressDomain", "b.example")
    # YAML merge keys may still override what they merge in.
    assert yaml.load("base: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n", Loader=_UniqueKeyLoader)["m"] == {"x": 2}


def test_null_config_reaches_the_program_as_json_null_not_the_string_none():
    from stacks.render import _config_strings

    assert _config_strings({"platform:namespace": None, "platform:kserve": {"ingressDomain": None}}) == {
        "platform:namespace": "null", "platform:kserve": '{"ingressDomain": null}'}


def test_a_section_with_every_key_commented_out_gets_its_defaults(tmp_path):
    text = private_with("platform:namespace: inference", "platform:namespace: ~")
    text = text.replace("    deploymentMode: Knative", "    # deploymentMode: Knative")
    text = text.replace("    ingressDomain: inference.corp.example", "    # ingressDomain: inference.corp.example")
    out = tmp_path / "out"
    result = run_cli("render", "private", "--out", str(out), "--config-file", str(write_config(tmp_path, text)))
    assert result.returncode == 0, result.stderr
    doc = json.loads((out / "resources.json").read_text())
    assert doc["outputs"]["modelNamespace"] == "inference"
    assert "inference.internal" in (out / "resources.json").read_text()


@pytest.mark.parametrize("kind", ["directory", "binary"])
def test_unreadable_config_file_is_a_clear_error(tmp_path, kind):
    path = tmp_path / "cfg"
    if kind == "directory":
        path.mkdir()
        needle = "is a directory"
    else:
        path.write_bytes(b"\xff\xfe\x00config")
        needle = "cannot read it"
    out = tmp_path / "o"
    result = run_cli("render", "private", "--out", str(out), "--config-file", str(path))
    assert result.returncode == 2 and needle in result.stderr and str(path) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


# -- The output directory: all or nothing ---------------------------------------------------------------------

def test_render_replaces_an_earlier_render_and_drops_its_stale_files(tmp_path, private_render):
    from stacks.__main__ import documents, write_output

    out = tmp_path / "out"
    (out / "manifests").mkdir(parents=True)
    (out / "manifests" / "oldcluster.yaml").write_text("stale")
    (out / "resources.json").write_text("{}")
    write_output(out, documents(private_render))
    assert not (out / "manifests" / "oldcluster.yaml").exists()
    assert json.loads((out / "resources.json").read_text())["stack"] == "private"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging or backup directories left


def test_a_file_where_a_render_directory_goes_is_replaced_not_half_written(tmp_path, private_render):
    from stacks.__main__ import documents, write_output

    out = tmp_path / "out"
    out.mkdir()
    (out / "manifests").write_text("a file, not a directory")
    write_output(out, documents(private_render))
    assert (out / "manifests").is_dir() and (out / "resources.json").exists()


def test_a_write_that_fails_part_way_leaves_the_earlier_render_untouched(tmp_path, monkeypatch, private_render):
    from stacks.__main__ import documents, write_output

    out = tmp_path / "out"
    out.mkdir()
    (out / "resources.json").write_text("earlier render")
    writes = []
    real_write = Path.write_text

    def failing_write(self, text, *a, **k):
        writes.append(self)
        if len(writes) == 2:
            raise OSError(28, "No space left on device")
        return real_write(self, text, *a, **k)

    monkeypatch.setattr(Path, "write_text", failing_write)
    with pytest.raises(OSError):
        write_output(out, documents(private_render))
    monkeypatch.undo()
    assert sorted(p.name for p in out.iterdir()) == ["resources.json"]
    assert (out / "resources.json").read_text() == "earlier render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_out_holding_other_files_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run_cli("render", "private", "--out", str(out))
    assert result.returncode == 2 and "holds notes.txt" in result.stderr and "nothing written" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_keys_python_equates_are_refused_as_non_string_keys_not_as_duplicates():
    import yaml
    from stacks.__main__ import _UniqueKeyLoader
    with pytest.raises(ConfigError, match="line 1 column 2: invalid key 1: expected a string key") as raised:
        yaml.load("{1: a, true: b}", Loader=_UniqueKeyLoader)  # once a "duplicate" (1 == True in Python)
    exactly(str(raised.value))
    with pytest.raises(ConfigError, match="each key once") as raised:
        yaml.load("{a: 1, a: 2}", Loader=_UniqueKeyLoader)
    exactly(str(raised.value))
