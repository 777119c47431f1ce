"""Finds every declaration under `models/catalog/`: one module per model, each defining `model = Model(...)`.

Adding a model is adding one file there. Names must be unique across the catalog; a duplicate fails here,
naming both files, before any stack renders.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import traceback
from types import ModuleType
from typing import Iterable, Mapping

from models import spec
from models.errors import DeclarationError
from models.spec import Model

CATALOG_PACKAGE = "models.catalog"


def collect(declarations: Iterable[tuple[str, Model]]) -> dict[str, Model]:
    """Index `(origin, model)` pairs by model name, refusing duplicates and non-Model values."""
    by_name: dict[str, Model] = {}
    origin_of: dict[str, str] = {}
    for origin, model in declarations:
        if not isinstance(model, Model):
            raise DeclarationError(origin, "model", type(model).__name__, "a models.spec.Model instance")
        if model.name in by_name:
            raise DeclarationError(model.name, "name", model.name,
                                   f"a name unique in the catalog (declared in {origin_of[model.name]} and {origin})")
        by_name[model.name] = model
        origin_of[model.name] = origin
    return by_name


def _catalog_modules(package: str) -> list[ModuleType]:
    pkg = importlib.import_module(package)
    return [_import(f"{package}.{info.name}")
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name)
            if not info.name.startswith("_")]


_UNEXPECTED = re.compile(r"^(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'$")


def _import(module_name: str) -> ModuleType:
    """Import one declaration file; a misspelled or missing argument of `Model(...)` (or of `Scaling(...)`, ...) is
    a TypeError from the dataclass's `__init__`, reported like any other declaration mistake, naming the file."""
    try:
        return importlib.import_module(module_name)
    except TypeError as err:
        path = module_name.replace(".", "/") + ".py"
        lines = [f.lineno for f in traceback.extract_tb(err.__traceback__) if f.filename.endswith(path)]
        where = f"{path}" + (f" line {lines[-1]}" if lines else "")
        match = _UNEXPECTED.match(str(err))
        cls = getattr(spec, match.group(1), None) if match else None
        if match and dataclasses.is_dataclass(cls):
            fields = ", ".join(f.name for f in dataclasses.fields(cls))
            raise DeclarationError(where, f"{match.group(1)}(...) keyword argument", match.group(2),
                                   f"one of {match.group(1)}'s fields: {fields}") from None
        raise DeclarationError(where, "declaration", str(err), "arguments the declaration types accept") from None


def load_catalog(package: str = CATALOG_PACKAGE) -> Mapping[str, Model]:
    """Every model in the catalog, by name (sorted, so renders are stable)."""
    pairs = []
    for module in _catalog_modules(package):
        if not hasattr(module, "model"):
            raise DeclarationError(module.__name__, "model", None, "a module-level `model = Model(...)`")
        pairs.append((module.__name__, module.model))
    return dict(sorted(collect(pairs).items()))
