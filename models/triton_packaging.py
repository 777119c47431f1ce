"""A Triton model repository for one catalog model: `<out>/<name>/config.pbtxt` and `<out>/<name>/1/model.pt`.

Triton is the phase-3 runtime, so everything here renders the declaration as it stands at `Phase.HYBRID`
(`model.at_phase(Phase.HYBRID)`: a HYBRID `PhaseOverride`, e.g. bigger batches, applies).

- `model.pt` is TorchScript traced from the declaration's `Source.factory` ("package.module:callable", called
  with no arguments, returning a trained eval-mode `torch.nn.Module` that maps a float32 batch
  `(N, *input_shape)` to logits). Triton's PyTorch backend loads TorchScript only.
- `config.pbtxt` is a `tritonclient.grpc.model_config_pb2.ModelConfig` message serialised with
  `google.protobuf.text_format`, never a string template, so every field name and enum is checked by the
  schema Triton itself parses. Tensor names follow the PyTorch backend's `<NAME>__<index>` convention.

`package_triton` writes a repository; `package_triton_artifact` (the `--runtime triton` packager) writes it under
the artifact's `triton/` directory (models/layout.py), which the platform's Triton runtime serves
(`--model-store=/mnt/models/triton`), so the TorchServe tree and the Triton repository share one storage prefix.
"""
from __future__ import annotations

import os
import warnings
from collections import Counter
from pathlib import Path

from google.protobuf import text_format

from models.errors import DeclarationError
from models.layout import TRITON_REPOSITORY_DIR
from models.spec import Model, Phase

# Importing model_config_pb2 pulls in tritonclient.grpc, whose generated code needs a protobuf runtime it was
# built for (pulumi-policy's protobuf 5 breaks it: see FIELD-NOTES). Keep the import here so the error is loud.
from tritonclient.grpc import model_config_pb2

ModelConfig = model_config_pb2.ModelConfig

PLATFORM = "pytorch_libtorch"  # Triton's platform name for TorchScript ...
BACKEND = "pytorch"  # ... and the backend that serves it.
INPUT_NAME = "INPUT__0"
OUTPUT_NAME = "OUTPUT__0"
VERSION = "1"
MODEL_FILENAME = "model.pt"  # the PyTorch backend's default_model_filename
CONFIG_FILENAME = "config.pbtxt"
# Platforms and the backend each needs. Triton 2.51 loads a config whose backend disagrees with its platform
# (the backend wins, the platform is silently ignored): check_triton_config refuses that instead.
_PLATFORM_BACKENDS = {PLATFORM: BACKEND, "onnxruntime_onnx": "onnxruntime", "tensorrt_plan": "tensorrt",
                      "tensorflow_savedmodel": "tensorflow", "tensorflow_graphdef": "tensorflow"}
_TRACE_BATCH = 2  # trace with a batch > 1 so a batch size of 1 cannot be baked into the graph
_CHECK_BATCH = 3  # ... and check the trace on another batch size


def build_module(model: Model):
    """The declaration's trained eval-mode module, from its `Source.factory` (checked by `models.packaging`)."""
    from models.packaging import build_module as _build  # lazy: models.packaging registers this module

    return _build(model)


def example_input(model: Model, batch: int, seed: int = 0):
    """A deterministic float32 batch `(batch, *input_shape)` (standard normal, fixed seed)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    return torch.randn((batch, *model.source.input_shape), generator=generator, dtype=torch.float32)


def output_dims(model: Model, module=None) -> list[int]:
    """Dims of one output row (without the batch dimension), found by running the module on a zero batch."""
    import torch

    module = build_module(model) if module is None else module
    with torch.no_grad():
        out = module(torch.zeros((1, *model.source.input_shape), dtype=torch.float32))
    if not isinstance(out, torch.Tensor) or out.dim() < 2 or out.shape[0] != 1:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise DeclarationError(model.name, "source.factory", model.source.factory,
                               f"a module returning one tensor (batch, ...) for a (1, *input_shape) input, got {shape}")
    return [int(d) for d in out.shape[1:]]


def triton_config(model: Model, *, module=None) -> ModelConfig:
    """The Triton `ModelConfig` for `model` at phase HYBRID. `module` (the built module) saves rebuilding it."""
    m = model.at_phase(Phase.HYBRID)
    batching = m.batching
    config = ModelConfig(name=m.name, platform=PLATFORM, backend=BACKEND, max_batch_size=batching.max_batch_size)
    config.input.add(name=INPUT_NAME, data_type=model_config_pb2.TYPE_FP32, dims=list(m.source.input_shape))
    config.output.add(name=OUTPUT_NAME, data_type=model_config_pb2.TYPE_FP32, dims=output_dims(m, module))
    config.dynamic_batching.preferred_batch_size.extend(batching.preferred())
    config.dynamic_batching.max_queue_delay_microseconds = batching.max_delay_ms * 1000
    kind = (model_config_pb2.ModelInstanceGroup.KIND_GPU if m.resources.gpu_count > 0
            else model_config_pb2.ModelInstanceGroup.KIND_CPU)
    config.instance_group.add(kind=kind, count=m.workers)
    check_triton_config(config, m.name)
    return config


def config_text(config: ModelConfig) -> str:
    """`config.pbtxt` text for a `ModelConfig` (protobuf text format)."""
    return text_format.MessageToString(config)


def parse_config_pbtxt(text: str) -> ModelConfig:
    """Parse `config.pbtxt` text. Raises `google.protobuf.text_format.ParseError` on an unknown field, a bad enum
    or a bad type; meaning is not checked here (see `check_triton_config`)."""
    return text_format.Parse(text, ModelConfig())


def check_triton_config(config: ModelConfig, model_name: str) -> ModelConfig:
    """Reject settings that mean nothing, or not what was meant; returns `config`.

    Each error is a `DeclarationError(model_name, field, value, expected)` naming the config field. Measured on
    a real Triton 2.51 (see tests/triton_server.py): it refuses to load a preferred batch size above
    max_batch_size (also when max_batch_size is 0), but loads duplicate preferred sizes, an instance group
    with `count: 0` and a backend that contradicts the platform; this check refuses all of these first.
    """
    def fail(field: str, value: object, expected: str) -> None:
        raise DeclarationError(model_name, f"config.pbtxt {field}", value, expected)

    if config.name and config.name != model_name:
        fail("name", config.name, f"'{model_name}' (Triton requires the name of the model's directory)")
    expected_backend = _PLATFORM_BACKENDS.get(config.platform)
    if config.backend and expected_backend and config.backend != expected_backend:
        fail("backend", config.backend, f"'{expected_backend}', the backend of platform '{config.platform}'")
    if config.max_batch_size < 0:
        fail("max_batch_size", config.max_batch_size, "an integer >= 0")
    if config.HasField("dynamic_batching"):
        db = config.dynamic_batching
        if config.max_batch_size == 0:
            fail("max_batch_size", 0, "max_batch_size >= 1 when dynamic_batching is set (0 disables batching)")
        sizes = list(db.preferred_batch_size)
        for size in sizes:
            if size < 1:
                fail("dynamic_batching.preferred_batch_size", size, "a batch size >= 1")
            if size > config.max_batch_size:
                fail("dynamic_batching.preferred_batch_size", size,
                     f"a batch size at most max_batch_size ({config.max_batch_size})")
        dups = sorted(s for s, n in Counter(sizes).items() if n > 1)
        if dups:
            fail("dynamic_batching.preferred_batch_size", sizes, f"distinct sizes (repeated: {dups})")
    for i, group in enumerate(config.instance_group):
        if group.count < 1:
            # proto3 cannot tell an explicit 0 from an omitted count; Triton silently substitutes 1 for both.
            fail(f"instance_group[{i}].count", group.count, "an instance count >= 1, stated explicitly")
    for kind, tensors in (("input", config.input), ("output", config.output)):
        for i, tensor in enumerate(tensors):
            if not tensor.dims or any(d == 0 or d < -1 for d in tensor.dims):
                fail(f"{kind}[{i}].dims", list(tensor.dims), "non-empty dims, each >= 1 (or -1 for variable)")
    return config


def package_triton(model: Model, out_dir: str | os.PathLike, *, module=None):
    """Write `out_dir/<name>/config.pbtxt` and `out_dir/<name>/1/model.pt` (the model's directory is replaced
    file by file, never deleted). Returns a `models.packaging.Artifact` (root `out_dir`, files: the two)."""
    import torch

    from models.packaging import Artifact

    m = model.at_phase(Phase.HYBRID)
    module = build_module(m) if module is None else module
    config = triton_config(m, module=module)
    example = example_input(m, _TRACE_BATCH)
    check = example_input(m, _CHECK_BATCH, seed=1)
    with torch.no_grad(), warnings.catch_warnings():
        # Recent torch marks TorchScript deprecated; Triton's PyTorch backend loads nothing else.
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.", category=DeprecationWarning)
        # check_inputs re-runs the trace on another batch size and compares with eager: a graph that baked in
        # the trace's batch size or took a data-dependent branch fails here, not on the server.
        traced = torch.jit.trace(module, example, check_inputs=[(check,)])
        model_dir = Path(out_dir) / m.name
        (model_dir / VERSION).mkdir(parents=True, exist_ok=True)
        weights = model_dir / VERSION / MODEL_FILENAME
        traced.save(str(weights))
    config_file = model_dir / CONFIG_FILENAME
    config_file.write_text(config_text(config), encoding="utf-8")
    return Artifact(root=Path(out_dir), files=(config_file, weights))


def package_triton_artifact(model: Model, out: str | os.PathLike, *, module=None):
    """The Triton part of a model's artifact: `package_triton` into `out/triton/` (models/layout.py), beside the
    TorchServe tree. Returns a `models.packaging.Artifact` rooted at `out`."""
    from models.packaging import Artifact

    written = package_triton(model, Path(out) / TRITON_REPOSITORY_DIR, module=module)
    return Artifact(root=Path(out), files=written.files)
