"""Finds every declaration under `models/catalog/`: one module per model, each defining `model = Model(...)`.

Adding a model is adding one file there. Names must be unique across the catalog; a duplicate fails here,
naming both files, before any stack renders.
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Iterable, Mapping

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
    return [importlib.import_module(f"{package}.{info.name}")
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name)
            if not info.name.startswith("_")]


def load_catalog(package: str = CATALOG_PACKAGE) -> Mapping[str, Model]:
    """Every model in the catalog, by name (sorted, so renders are stable)."""
    pairs = []
    for module in _catalog_modules(package):
        if not hasattr(module, "model"):
            raise DeclarationError(module.__name__, "model", None, "a module-level `model = Model(...)`")
        pairs.append((module.__name__, module.model))
    return dict(sorted(collect(pairs).items()))
