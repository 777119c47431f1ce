"""`python -m models package`: the artifact tree, the archive inside it, the example factories, CLI errors.

No server here (see test_torchserve_e2e.py); everything is read back from the files the CLI wrote.
"""
from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from models import __main__ as cli
from models.errors import DeclarationError, PlatformError
from models.packaging import (HANDLER_FILE, MODEL_VERSION, RUNTIMES, build_module, example_input, find_model,
                              package, runtime_packager)
from models.registry import load_catalog
from models.spec import Source
from models.torchserve_config import config_properties
from tests.messages import exactly

torch = pytest.importorskip("torch")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    """fraud-scorer packaged through the CLI entry point, as `python -m models package` runs it."""
    out = tmp_path_factory.mktemp("artifact")
    assert cli.main(["package", "fraud-scorer", "--out", str(out)]) == 0
    return find_model("fraud-scorer"), out


def _properties(text: str) -> dict[str, str]:
    """Java properties as TorchServe reads them (one `key=value` a line; a backslash escapes the next char)."""
    props = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "!")):
            key, _, value = line.partition("=")
            props[key] = re.sub(r"\\(.)", r"\1", value)
    return props


def test_tree_is_kserve_torchserve_layout(packaged):
    _, out = packaged
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["config/config.properties", "model-store/fraud-scorer.mar"]


def test_config_is_generated_from_the_declaration(packaged):
    model, out = packaged
    text = (out / "config" / "config.properties").read_text()
    assert text == config_properties(model)
    props = _properties(text)
    assert props["model_store"] == "/mnt/models/model-store"
    assert props["load_models"] == "fraud-scorer.mar"
    assert props["management_address"].startswith("http://127.0.0.1:")
    snapshot = json.loads(props["models"])["fraud-scorer"]
    # TorchServe applies this block only if its version key is the archive's version (else: batch 1, 100 ms).
    assert list(snapshot) == [MODEL_VERSION]
    entry = snapshot[MODEL_VERSION]
    assert (entry["batchSize"], entry["maxBatchDelay"], entry["minWorkers"], entry["maxWorkers"]) == (16, 10, 2, 2)


def test_allowed_urls_survive_properties_escaping():
    """The regex TorchServe ends up with matches only .mar files in the store, even for odd store paths."""
    model = find_model("fraud-scorer")
    for store in ("/mnt/models/model-store", "/tmp/a.b+c (1)/store/"):
        regex = _properties(config_properties(model, model_store=store))["allowed_urls"]
        base = "file://" + store.rstrip("/")
        assert re.fullmatch(regex, f"{base}/fraud-scorer.mar")
        assert not re.fullmatch(regex, f"{base}/fraud-scorer.marx")
        assert not re.fullmatch(regex, f"{base}/fraud-scorerXmar")
        assert not re.fullmatch(regex, "file:///etc/x.mar")
        assert not re.fullmatch(regex, "https://example.com/fraud-scorer.mar")
    assert not re.fullmatch(_properties(config_properties(model, model_store="/tmp/a.b"))["allowed_urls"],
                            "file:///tmp/aXb/m.mar")


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_mar_manifest_handler_and_meta(packaged):
    model, out = packaged
    mar = out / "model-store" / "fraud-scorer.mar"
    assert zipfile.is_zipfile(mar)
    with zipfile.ZipFile(mar) as zf:
        assert sorted(zf.namelist()) == ["MAR-INF/MANIFEST.json", "fraud-scorer.pt", "handler.py", "model_meta.json"]
        manifest = json.loads(zf.read("MAR-INF/MANIFEST.json"))
        assert manifest["model"] == {"modelName": "fraud-scorer", "serializedFile": "fraud-scorer.pt",
                                     "handler": "handler.py", "modelVersion": MODEL_VERSION}
        assert manifest["runtime"] == "python"
        assert zf.read("handler.py") == HANDLER_FILE.read_bytes()
        assert json.loads(zf.read("model_meta.json")) == {"name": "fraud-scorer", "input_shape": [8],
                                                          "labels": ["legit", "review", "fraud"]}
        scripted = torch.jit.load(io.BytesIO(zf.read("fraud-scorer.pt")))
    module = build_module(model)
    for batch in (1, 5, 16):  # traced with batch 2: nothing batch-size-specific baked in
        x = example_input(model, batch)
        with torch.no_grad():
            assert torch.allclose(scripted(x), module(x), atol=1e-6)


def test_handler_has_one_class_and_needs_only_ts_and_torch():
    """TorchServe refuses a handler module defining more than one class; inside the server only `ts`,
    `torch` and the standard library can be imported."""
    source = HANDLER_FILE.read_text()
    assert len(re.findall(r"^class ", source, flags=re.M)) == 1
    imports = set(re.findall(r"^(?:from|import) ([\w.]+)", source, flags=re.M))
    assert imports <= {"__future__", "json", "logging", "os", "re", "torch", "ts.torch_handler.base_handler"}


@pytest.mark.parametrize("factory,shape,classes", [("models.examples.tabular:build_model", (8,), 3),
                                                   ("models.examples.cnn:build_model", (1, 28, 28), 10)])
def test_example_factories_are_trained_deterministic_eval_modules(factory, shape, classes):
    import importlib

    module_name, attr = factory.split(":")
    build = getattr(importlib.import_module(module_name), attr)
    rng_before = torch.random.get_rng_state()
    a, b = build(), build()
    assert torch.equal(torch.random.get_rng_state(), rng_before), "factories must not disturb the global RNG"
    assert not a.training
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), name
    with torch.no_grad():
        out = a(torch.rand(4, *shape))
    assert out.shape == (4, classes)
    every = {m.source.factory for m in load_catalog().values()}
    assert factory in every


def test_every_catalog_model_builds_for_its_declaration():
    for model in load_catalog().values():
        module = build_module(model)  # raises DeclarationError on a shape / label mismatch
        assert not module.training, f"{model.name}: the factory's module must be in eval mode"
        if model.source.labels:
            import torch
            with torch.no_grad():
                out = module(torch.zeros(2, *model.source.input_shape))
            assert tuple(out.shape) == (2, len(model.source.labels)), model.name


def test_label_count_mismatch_is_a_declaration_error():
    model = find_model("fraud-scorer")
    bad = dataclasses.replace(model, source=dataclasses.replace(model.source, labels=("yes", "no")))
    with pytest.raises(DeclarationError, match=r"fraud-scorer.*source.labels.*3 labels") as raised:
        build_module(bad)
    exactly(str(raised.value))


def test_bad_factory_and_shape_are_declaration_errors():
    model = find_model("fraud-scorer")
    missing = dataclasses.replace(model, source=Source(factory="models.examples.nope:build_model",
                                                       input_shape=(8,)))
    with pytest.raises(DeclarationError, match="source.factory") as raised:
        build_module(missing)
    exactly(str(raised.value))
    wrong_shape = dataclasses.replace(model, source=Source(factory=model.source.factory, input_shape=(5,)))
    with pytest.raises(DeclarationError) as info:
        build_module(wrong_shape)
    assert (info.value.field, info.value.value) == ("source.input_shape", (5,))
    assert info.value.expected.startswith("a shape the module accepts (RuntimeError: mat1 and mat2 shapes cannot "
                                          "be multiplied")


def test_unknown_model_cli_error_is_one_line_exit_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "models", "package", "no-such-model", "--out", str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "'no-such-model'" in lines[0]
    for name in load_catalog():
        assert name in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_unknown_runtime_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["package", "fraud-scorer", "--out", str(tmp_path), "--runtime", "onnx"])
    assert exit_.value.code == 2
    assert "invalid choice: 'onnx'" in capsys.readouterr().err
    with pytest.raises(PlatformError, match="unknown runtime 'onnx'") as raised:
        runtime_packager("onnx")
    exactly(str(raised.value))
    assert "torchserve" in RUNTIMES


def test_platform_errors_exit_2_without_traceback(tmp_path, capsys, monkeypatch):
    model = find_model("fraud-scorer")
    bad = dataclasses.replace(model, source=dataclasses.replace(model.source, labels=("a",)))
    monkeypatch.setattr("models.packaging.load_catalog", lambda: {bad.name: bad})
    assert cli.main(["package", "fraud-scorer", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: model 'fraud-scorer': invalid source.labels") and err.count("\n") == 1


def test_package_function_uses_given_catalog(tmp_path):
    model = find_model("fx-pricer")
    artifact = package("fx-pricer", tmp_path, catalog={"fx-pricer": model})
    assert [p.relative_to(tmp_path).as_posix() for p in artifact.files] == [
        "config/config.properties", "model-store/fx-pricer.mar"]


@pytest.mark.parametrize("factory", ["torch.nn:Linear", "models.examples.tabular:torch"])
def test_factory_that_cannot_be_called_without_arguments_is_a_declaration_error(factory):
    """torch.nn.Linear needs in/out features; a module object is not callable: both name model, field, value."""
    model = find_model("fraud-scorer")
    bad = dataclasses.replace(model, source=Source(factory=factory, input_shape=(8,)))
    with pytest.raises(DeclarationError) as info:
        build_module(bad)
    err = info.value
    assert (err.model, err.field, err.value) == ("fraud-scorer", "source.factory", factory)
    assert f"'{factory}'" in str(err) and "expected" in str(err)


def test_failing_factory_cli_exits_2_without_traceback(tmp_path, capsys, monkeypatch):
    model = find_model("fraud-scorer")
    bad = dataclasses.replace(model, source=Source(factory="torch.nn:Linear", input_shape=(8,)))
    monkeypatch.setattr("models.packaging.load_catalog", lambda: {bad.name: bad})
    assert cli.main(["package", "fraud-scorer", "--out", str(tmp_path / "art")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: model 'fraud-scorer': invalid source.factory 'torch.nn:Linear'")
    assert "TypeError" in err and err.count("\n") == 1


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_out_that_is_a_file_is_a_platform_error(tmp_path, capsys, runtime):
    existing = tmp_path / "a-file"
    existing.write_text("keep me\n", encoding="utf-8")
    for out in (existing, existing / "below"):
        assert cli.main(["package", "fx-pricer", "--out", str(out), "--runtime", runtime]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: invalid --out '{out}': expected a directory") and err.count("\n") == 1
        assert "Traceback" not in err
    assert existing.read_text(encoding="utf-8") == "keep me\n"


def test_io_errors_while_writing_are_platform_errors(tmp_path, monkeypatch):
    def failing(model, out):
        raise PermissionError(13, "Permission denied", str(out / "model-store"))
    monkeypatch.setattr("models.packaging.runtime_packager", lambda runtime: failing)
    with pytest.raises(PlatformError, match=r"model 'fx-pricer': cannot write the artifact under .*Permission denied") as raised:
        package("fx-pricer", tmp_path / "art")
    exactly(str(raised.value))


def test_the_tabular_class_rule_does_not_depend_on_the_callers_random_state():
    """The made-up risk rule is fixed: the same features get the same classes whatever else drew random numbers
    before (the artifact must be reproducible from the declaration alone)."""
    import torch

    from models.examples.tabular import synthetic_data

    torch.manual_seed(123)
    x1, y1 = synthetic_data(256, torch.Generator().manual_seed(5))
    torch.manual_seed(456)
    torch.rand(10)
    x2, y2 = synthetic_data(256, torch.Generator().manual_seed(5))
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert sorted(set(y1.tolist())) == [0, 1, 2]  # every class occurs
