"""Every chart and image version the platform installs, pinned in one place (bumped by PR, reviewed in preview)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    name: str
    version: str
    repo: str


TORCHSERVE_VERSION = "0.12.0"
# The standard image built from images/torchserve/Dockerfile; the suffix counts platform rebuilds of one release.
TORCHSERVE_IMAGE = f"registry.internal/inference-platform/torchserve:{TORCHSERVE_VERSION}-cpu-1"
TORCHSERVE_GPU_IMAGE = f"registry.internal/inference-platform/torchserve:{TORCHSERVE_VERSION}-gpu-1"
KSERVE_VERSION = "v0.20.0"
# KServe's storage initializer: the same fetcher (s3://, https://, gs://) in Phase 1 init containers and Phase 2.
STORAGE_INITIALIZER_IMAGE = f"kserve/storage-initializer:{KSERVE_VERSION}"
TRITON_IMAGE = "nvcr.io/nvidia/tritonserver:25.10-py3"
