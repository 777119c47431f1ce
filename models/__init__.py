"""Model declarations: the typed single source every phase renders from (see `models.spec`)."""
from models.errors import ConfigError, DeclarationError, PlatformError
from models.spec import (ABTest, Batching, Canary, Framework, GpuType, Mirror, Model, Phase, PhaseOverride,
                         Resources, Runtime, Scaling, Source, WorkloadClass)

__all__ = ["ABTest", "Batching", "Canary", "ConfigError", "DeclarationError", "Framework", "GpuType", "Mirror",
           "Model", "Phase", "PhaseOverride", "PlatformError", "Resources", "Runtime", "Scaling", "Source",
           "WorkloadClass"]
