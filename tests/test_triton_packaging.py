"""Triton model repository from the catalog: config.pbtxt fields come from the declaration (at phase HYBRID),
model.pt is TorchScript equal to the module, and meaningless settings are refused."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from models.errors import DeclarationError
from models.packaging import build_module
from models.registry import load_catalog
from models.spec import Phase
from models.triton_packaging import (check_triton_config, config_text, package_triton, parse_config_pbtxt,
                                     triton_config)
from tests.messages import exactly

REPO = Path(__file__).resolve().parent.parent
CPU_MODEL = "fraud-scorer"  # tabular, CPU, workers=2, batches of 16 within 10 ms, no phase override
GPU_MODEL = "doc-classifier-batch"  # CNN on a GPU, HYBRID override: batches of 128 within 50 ms, preferred 64/128
KIND = model_config_pb2.ModelInstanceGroup


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def packaged(tmp_path_factory, catalog):
    """Both example models packaged into one Triton model repository; name -> parsed ModelConfig."""
    out = tmp_path_factory.mktemp("triton-repo")
    configs = {}
    for name in (CPU_MODEL, GPU_MODEL):
        artifact = package_triton(catalog[name], out)
        assert artifact.root == out
        assert set(artifact.files) == {out / name / "config.pbtxt", out / name / "1" / "model.pt"}
        configs[name] = text_format.Parse((out / name / "config.pbtxt").read_text(), model_config_pb2.ModelConfig())
    return out, configs


def test_layout_is_a_triton_model_repository(packaged):
    out, _ = packaged
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == [f"{GPU_MODEL}/1/model.pt", f"{GPU_MODEL}/config.pbtxt",
                     f"{CPU_MODEL}/1/model.pt", f"{CPU_MODEL}/config.pbtxt"]


def test_cpu_model_config_follows_the_declaration(packaged, catalog):
    config = packaged[1][CPU_MODEL]
    model = catalog[CPU_MODEL].at_phase(Phase.HYBRID)
    assert config.name == CPU_MODEL
    assert (config.platform, config.backend) == ("pytorch_libtorch", "pytorch")
    assert config.max_batch_size == model.batching.max_batch_size == 16
    assert list(config.dynamic_batching.preferred_batch_size) == list(model.batching.preferred()) == [2, 4, 8, 16]
    assert config.dynamic_batching.max_queue_delay_microseconds == 10_000
    [group] = config.instance_group
    assert (group.kind, group.count) == (KIND.KIND_CPU, 2)
    [inp], [out] = config.input, config.output
    assert (inp.name, inp.data_type, list(inp.dims)) == ("INPUT__0", model_config_pb2.TYPE_FP32, [8])
    assert (out.name, out.data_type, list(out.dims)) == ("OUTPUT__0", model_config_pb2.TYPE_FP32, [3])


def test_gpu_model_config_uses_the_hybrid_override(packaged, catalog):
    config = packaged[1][GPU_MODEL]
    declared = catalog[GPU_MODEL]
    assert declared.batching.max_batch_size == 64  # the phase-1/2 value, which must not leak into Triton's config
    assert config.max_batch_size == 128
    assert list(config.dynamic_batching.preferred_batch_size) == [64, 128]
    assert config.dynamic_batching.max_queue_delay_microseconds == 50_000
    [group] = config.instance_group
    assert (group.kind, group.count) == (KIND.KIND_GPU, 1)
    assert list(config.input[0].dims) == [1, 28, 28]
    assert list(config.output[0].dims) == [10]


def test_default_preferred_sizes_are_powers_of_two_up_to_the_max(catalog):
    config = triton_config(catalog["digit-reader"])  # max_batch_size 32, no preferred sizes declared
    assert list(config.dynamic_batching.preferred_batch_size) == [2, 4, 8, 16, 32]
    assert config.dynamic_batching.max_queue_delay_microseconds == 5_000
    assert config.instance_group[0].kind == KIND.KIND_GPU


@pytest.mark.filterwarnings(r"ignore:`torch\.jit\.load` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("name", [CPU_MODEL, GPU_MODEL])
def test_torchscript_loads_and_matches_the_module(packaged, catalog, name):
    out, _ = packaged
    scripted = torch.jit.load(str(out / name / "1" / "model.pt"), map_location="cpu")
    module = build_module(catalog[name])
    x = torch.randn((5, *catalog[name].source.input_shape), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        assert torch.allclose(scripted(x), module(x), rtol=1e-5, atol=1e-6)


def test_config_text_round_trips(catalog):
    config = triton_config(catalog[CPU_MODEL])
    assert parse_config_pbtxt(config_text(config)) == config


# -- meaningless settings -------------------------------------------------------------------------------------

def _config_with(catalog, edit):
    config = triton_config(catalog[CPU_MODEL])
    edit(config)
    return config


@pytest.mark.parametrize("edit, field, value", [
    (lambda c: c.dynamic_batching.preferred_batch_size.append(32), "dynamic_batching.preferred_batch_size", 32),
    (lambda c: c.dynamic_batching.preferred_batch_size.append(0), "dynamic_batching.preferred_batch_size", 0),
    (lambda c: c.dynamic_batching.preferred_batch_size.append(8), "dynamic_batching.preferred_batch_size",
     [2, 4, 8, 16, 8]),
    (lambda c: setattr(c, "max_batch_size", 0), "max_batch_size", 0),
    (lambda c: setattr(c.instance_group[0], "count", 0), "instance_group[0].count", 0),
    (lambda c: setattr(c, "name", "other-model"), "name", "other-model"),
    (lambda c: setattr(c, "backend", "onnxruntime"), "backend", "onnxruntime"),
    (lambda c: c.input[0].dims.append(0), "input[0].dims", [8, 0]),
], ids=["preferred-above-max", "preferred-zero", "preferred-duplicate", "max-0-with-dynamic-batching",
        "zero-instances", "name-not-the-directory", "backend-not-the-platform's", "zero-dim"])
def test_meaningless_settings_are_refused(catalog, edit, field, value):
    with pytest.raises(DeclarationError) as err:
        check_triton_config(_config_with(catalog, edit), CPU_MODEL)
    assert err.value.model == CPU_MODEL
    assert err.value.field == f"config.pbtxt {field}"
    assert err.value.value == value
    assert CPU_MODEL in str(err.value) and err.value.expected in str(err.value)


def test_max_batch_size_zero_without_dynamic_batching_is_fine(catalog):
    def edit(c):
        c.max_batch_size = 0
        c.ClearField("dynamic_batching")
    assert check_triton_config(_config_with(catalog, edit), CPU_MODEL).max_batch_size == 0


def test_a_parsed_config_pbtxt_is_checked_too(catalog):
    text = config_text(triton_config(catalog[CPU_MODEL])).replace("max_batch_size: 16", "max_batch_size: 4")
    config = parse_config_pbtxt(text)  # parses: text format knows nothing of meaning
    with pytest.raises(DeclarationError, match="preferred_batch_size 8: expected a batch size at most "
                                               r"max_batch_size \(4\)"):
        check_triton_config(config, CPU_MODEL)


def test_an_existing_config_without_instance_count_is_refused():
    text = 'name: "m"\nmax_batch_size: 8\ninstance_group { kind: KIND_CPU }\n'
    with pytest.raises(DeclarationError, match=r"instance_group\[0\]\.count 0") as raised:
        check_triton_config(parse_config_pbtxt(text), "m")
    exactly(str(raised.value))


@pytest.mark.parametrize("text, fragment", [
    ('name: "m"\nmax_batch_size: 8\nmax_batch_sise: 8\n', "max_batch_sise"),  # misspelled field
    ('name: "m"\ninstance_group { kind: KIND_TPU count: 1 }\n', "KIND_TPU"),  # unknown enum value
    ('name: "m"\nmax_batch_size: "eight"\n', "max_batch_size"),  # wrong type
])
def test_parse_refuses_unknown_fields_and_values(text, fragment):
    with pytest.raises(text_format.ParseError, match=fragment):
        parse_config_pbtxt(text)


def test_cli_packages_for_triton(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "models", "package", CPU_MODEL, "--out", str(tmp_path),
                           "--runtime", "triton"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(tmp_path / "triton" / CPU_MODEL / "config.pbtxt"),
                                   str(tmp_path / "triton" / CPU_MODEL / "1" / "model.pt")]
    assert parse_config_pbtxt((tmp_path / "triton" / CPU_MODEL / "config.pbtxt").read_text()).max_batch_size == 16


# -- one storage prefix for both runtimes: `runtime: triton` and back without a new artifact --------------------

def served_copy(repository: Path, target: Path) -> Path:
    """`repository` as the tests' Triton can serve it: model directories switched to the Python backend
    (tests/triton_server.py), every other entry copied as it is."""
    import shutil

    from tests.triton_server import python_backend_repo

    target.mkdir(parents=True)
    for entry in repository.iterdir():
        if (entry / "config.pbtxt").is_file():
            python_backend_repo(entry, target)
        elif entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy2(entry, target / entry.name)
    return target


def runtime_repository(artifact_root: Path) -> Path:
    """Where the platform's Triton runtime finds its repository in an artifact KServe mounts at /mnt/models."""
    from components.kserve.runtimes import triton_runtime

    [container] = triton_runtime()["spec"]["containers"]
    [store] = [a.split("=", 1)[1] for a in container["args"] if a.startswith("--model-store=")]
    assert store.startswith("/mnt/models")
    return artifact_root / store[len("/mnt/models"):].lstrip("/")


def test_both_runtimes_share_one_artifact_prefix(tmp_path):
    """`models package` for TorchServe and for Triton into one prefix: the Triton runtime's repository holds only
    the model, a real Triton serves it, and the TorchServe tree is untouched."""
    from models.packaging import package
    from models.smoke import smoke
    from tests.triton_server import TritonServer, require_dist

    require_dist()
    prefix = tmp_path / "prefix"
    package(CPU_MODEL, prefix, runtime="torchserve")
    package(CPU_MODEL, prefix, runtime="triton")
    files = sorted(p.relative_to(prefix).as_posix() for p in prefix.rglob("*") if p.is_file())
    assert files == ["config/config.properties", f"model-store/{CPU_MODEL}.mar",
                     f"triton/{CPU_MODEL}/1/model.pt", f"triton/{CPU_MODEL}/config.pbtxt"]
    repository = runtime_repository(prefix)
    assert repository == prefix / "triton"
    with TritonServer(served_copy(repository, tmp_path / "served"), tmp_path) as triton:
        result = smoke(triton.url, CPU_MODEL)
    assert result.ok, result.line


def test_triton_fails_on_the_torchserve_tree(tmp_path):
    """Why the repository is not the prefix itself: Triton 2.51 refuses to start on `config/` and `model-store/`."""
    from models.packaging import package
    from tests.triton_server import TritonServer, require_dist

    require_dist()
    prefix = tmp_path / "prefix"
    package(CPU_MODEL, prefix, runtime="torchserve")
    package_triton(load_catalog()[CPU_MODEL], prefix)  # the old layout: the model beside config/ and model-store/
    server = TritonServer(served_copy(prefix, tmp_path / "served"), tmp_path)
    with pytest.raises(RuntimeError) as err:
        server.start()
    assert str(err.value).startswith("tritonserver exited with 1:")
    assert "error: creating server: Internal - failed to load all models" in str(err.value)
    log = server.log.read_text(errors="replace")
    for directory in ("config", "model-store"):
        assert f"Poll failed for model directory '{directory}': failed to open text file for read" in log
