"""Build a catalog model's serving artifact for TorchServe: `python -m models package NAME --out DIR`.

The tree is exactly what KServe's TorchServe runtime expects under the model's storage URI (and what the
Phase 1 Deployment mounts):

    DIR/config/config.properties      from `models.torchserve_config.config_properties(model)`
    DIR/model-store/NAME.mar          torch-model-archiver archive:
        NAME.pt                       the factory's module, TorchScript (torch.jit.trace on one example row)
        handler.py                    `models/handler.py`, the platform's one handler for every model
        model_meta.json               {"name", "input_shape", "labels"} read by the handler (the worker
                                      count comes from the serving config, not the archive)
        MAR-INF/MANIFEST.json         model name NAME, version MODEL_VERSION, handler handler.py

The archive carries its handler (the TorchServe packaging convention), so the server image needs nothing of
this repository. The model version inside the archive is MODEL_VERSION, the version key of the `models=`
JSON in config.properties: they must agree, or TorchServe ignores the declared batching and workers.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Callable, Mapping, Optional

from models.errors import DeclarationError, PlatformError
from models.registry import load_catalog
from models.spec import Model
from models.torchserve_config import config_properties, mar_name

HANDLER_FILE = Path(__file__).with_name("handler.py")
META_FILE = "model_meta.json"
MODEL_VERSION = "1.0"


@dataclasses.dataclass(frozen=True)
class Artifact:
    """Paths of one packaged model."""

    root: Path
    files: tuple[Path, ...]


def find_model(name: str, catalog: Optional[Mapping[str, Model]] = None) -> Model:
    """The catalog model called `name`, or a PlatformError naming it and listing the known names."""
    catalog = load_catalog() if catalog is None else catalog
    if name not in catalog:
        raise PlatformError(f"unknown model '{name}': known models are {', '.join(sorted(catalog)) or '(none)'}")
    return catalog[name]


def build_module(model: Model):
    """Import and call the model's factory; check that it maps one example row to one row of logits
    (as many as the declared labels, if any). Returns the module in eval mode."""
    import torch

    factory_path = model.source.factory
    module_name, attr = factory_path.split(":", 1)
    try:
        factory: Callable = getattr(importlib.import_module(module_name), attr)
    except Exception as err:  # noqa: BLE001 - ImportError, AttributeError, or the module failing as it imports
        raise DeclarationError(model.name, "source.factory", factory_path,
                               f"an importable 'package.module:callable' ({type(err).__name__}: {err})") from None
    if not callable(factory):
        raise DeclarationError(model.name, "source.factory", factory_path,
                               f"a callable, not {type(factory).__name__}")
    try:
        module = factory()
    except Exception as err:  # noqa: BLE001 - e.g. a class needing arguments: the factory is called with none
        raise DeclarationError(model.name, "source.factory", factory_path,
                               "a callable that builds the module with no arguments, but calling it raised "
                               f"{type(err).__name__}: {err}") from None
    if not isinstance(module, torch.nn.Module):
        raise DeclarationError(model.name, "source.factory", factory_path,
                               f"a callable returning a torch.nn.Module, not {type(module).__name__}")
    module.eval()
    example = example_input(model)
    try:
        with torch.no_grad():
            out = module(example)
    except Exception as err:  # noqa: BLE001 - any failure here means shape and module disagree
        raise DeclarationError(model.name, "source.input_shape", model.source.input_shape,
                               f"a shape the module accepts ({type(err).__name__}: {err})") from None
    if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.shape[0] != 1:
        shape = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise DeclarationError(model.name, "source.factory", factory_path,
                               f"a module returning logits of shape [batch, classes], got {shape}")
    labels = model.source.labels
    if labels and out.shape[1] != len(labels):
        raise DeclarationError(model.name, "source.labels", labels,
                               f"{out.shape[1]} labels, one per output of the module")
    return module


def example_input(model: Model, batch: int = 1):
    """A deterministic example batch of the model's input shape (used for tracing and shape checks)."""
    import torch

    gen = torch.Generator().manual_seed(0)
    return torch.rand((batch, *model.source.input_shape), generator=gen)


def torchscript(model: Model, module, path: Path) -> Path:
    """Trace `module` with an example batch of 2 (so nothing batch-size-specific is baked in) and save it."""
    import torch

    # TorchScript although torch 2.x deprecates torch.jit: TorchServe 0.12's BaseHandler and Triton's PyTorch
    # backend both load TorchScript files only.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*torch\.jit")
        traced = torch.jit.trace(module, example_input(model, batch=2), check_trace=True)
    traced.save(str(path))
    return path


def write_mar(model: Model, module, model_store: Path) -> Path:
    """Write `model_store/NAME.mar` for `module` with the platform handler; returns its path."""
    from model_archiver.model_archiver_config import ModelArchiverConfig
    from model_archiver.model_packaging import package_model
    from model_archiver.model_packaging_utils import ModelExportUtils

    model_store.mkdir(parents=True, exist_ok=True)
    (model_store / mar_name(model)).unlink(missing_ok=True)  # replace it, without the archiver's warning
    with tempfile.TemporaryDirectory(prefix=f"{model.name}-") as tmp:
        work = Path(tmp)
        serialized = torchscript(model, module, work / f"{model.name}.pt")
        meta = work / META_FILE
        meta.write_text(json.dumps({"name": model.name, "input_shape": list(model.source.input_shape),
                                    "labels": list(model.source.labels)},
                                   indent=2) + "\n", encoding="utf-8")
        handler = work / "handler.py"
        shutil.copyfile(HANDLER_FILE, handler)
        config = ModelArchiverConfig(
            model_name=model.name, handler=str(handler), version=MODEL_VERSION, serialized_file=str(serialized),
            extra_files=str(meta), export_path=str(model_store), force=True)
        # torch-model-archiver copies its inputs into a temp dir of its own: keep that inside ours.
        old_tmp = tempfile.tempdir
        tempfile.tempdir = tmp
        try:
            package_model(config, ModelExportUtils.generate_manifest_json(config))
        except Exception as err:  # ModelArchiverError and I/O errors: one line, no traceback at the CLI
            raise PlatformError(f"model '{model.name}': torch-model-archiver failed: {err}") from err
        finally:
            tempfile.tempdir = old_tmp
    return model_store / mar_name(model)


def package_torchserve(model: Model, out: Path, *, module=None, **config_kwargs) -> Artifact:
    """Write the TorchServe/KServe artifact tree for `model` under `out` (created if missing; the two files
    are replaced). `config_kwargs` go to `config_properties` (ports, bind address, model store: tests use
    them to run on loopback); by default the config is the production one for `/mnt/models`."""
    out = Path(out)
    module = build_module(model) if module is None else module
    mar = write_mar(model, module, out / "model-store")
    config = out / "config" / "config.properties"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(config_properties(model, **config_kwargs), encoding="utf-8")
    return Artifact(root=out, files=(config, mar))


# Runtime name -> "module:function" packaging it, called as function(model, out_dir) -> Artifact. The CLI offers
# exactly these keys; a runtime is imported only when used (so e.g. tritonclient is not needed to package for
# TorchServe). Adding one is one entry. Every runtime writes into its own part of the one artifact tree
# (models/layout.py), so a model switches runtime without a new storage URI.
RUNTIMES: dict[str, str] = {
    "torchserve": "models.packaging:package_torchserve",
    "triton": "models.triton_packaging:package_triton_artifact",
}


def runtime_packager(runtime: str) -> Callable[..., Artifact]:
    if runtime not in RUNTIMES:
        raise PlatformError(f"unknown runtime '{runtime}': known runtimes are {', '.join(sorted(RUNTIMES))}")
    module_name, attr = RUNTIMES[runtime].split(":", 1)
    return getattr(importlib.import_module(module_name), attr)


def package(name: str, out: os.PathLike, runtime: str = "torchserve",
            catalog: Optional[Mapping[str, Model]] = None) -> Artifact:
    """Package catalog model `name` for `runtime` into `out`. An `out` that cannot be a directory (an existing file,
    or below one) and I/O failures while writing are PlatformErrors naming the model and the path."""
    packager = runtime_packager(runtime)
    model = find_model(name, catalog)
    out = Path(out)
    check_out_dir(out)
    try:
        return packager(model, out)
    except OSError as err:
        where = err.filename if err.filename is not None else out
        raise PlatformError(f"model '{model.name}': cannot write the artifact under '{out}': "
                            f"{err.strerror or type(err).__name__} ('{where}')") from None


def check_out_dir(out: Path) -> None:
    """PlatformError unless `out` is a directory or could be created as one (its nearest existing ancestor is a
    directory); checked before the (slow) build, so a mistyped --out fails at once."""
    for path in (out, *out.parents):
        if path.exists():
            if not path.is_dir():
                what = "is an existing file" if path == out else f"is below '{path}', an existing file"
                raise PlatformError(f"invalid --out '{out}': expected a directory (or a path to create), but it "
                                    f"{what}")
            return
