"""Pytest helpers over `stacks.crd_schema`: validate custom resources against the upstream CRDs.

    from tests.crd_schema import validate_custom_resource
    validate_custom_resource(obj)   # skips the test when ../shared/crds is absent

The checking itself lives in `stacks/crd_schema.py` (no pytest there) so the render CLI can
use it too; see that module for what "strict" means.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import pytest

from stacks import crd_schema as _core
from stacks.crd_schema import (  # noqa: F401  (re-exported for tests)
    CRDNotFound,
    CustomResourceInvalid,
    SchemaError,
    schema_errors,
    strict_schema,
)


def crds_dir() -> Path:
    """The CRD folder, or skip the calling test with the reason."""
    found = _core.find_crds_dir()
    if found is None and os.environ.get("CI") == "true":
        pytest.fail(f"CI must validate custom resources, but no CRD folder: neither {_core.DEFAULT_CRDS_DIR} nor "
                    f"${_core.ENV_VAR} is a folder")
    if found is None:
        pytest.skip(
            f"upstream CRDs not available: neither {_core.DEFAULT_CRDS_DIR} nor ${_core.ENV_VAR} is a folder"
        )
    return found


def validate_custom_resource(obj: Mapping[str, Any]) -> None:
    """Raise CustomResourceInvalid unless `obj` matches its CRD; skip when there are no CRDs."""
    _core.validate_custom_resource(obj, crds_dir=crds_dir())


def custom_resource_errors(obj: Mapping[str, Any]) -> list[SchemaError]:
    """Every schema mismatch of `obj` ([] when valid); skip when there are no CRDs."""
    return _core.schema_errors(obj, crds_dir=crds_dir())
