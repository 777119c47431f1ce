"""Nightly document classification: throughput work for public Spot GPUs, on Triton with large batches."""
from models.spec import (Batching, GpuType, Model, Phase, PhaseOverride, Resources, Scaling, Source,
                         WorkloadClass)

model = Model(
    name="doc-classifier-batch",
    storage_uri="s3://ml-artifacts/doc-classifier/v4",
    source=Source(factory="models.examples.cnn:build_model", input_shape=(1, 28, 28)),
    resources=Resources(cpu="4", memory="16Gi", gpu_count=1, gpu_type=GpuType.A10G),
    scaling=Scaling(min_replicas=0, max_replicas=8, target_concurrency=64),
    batching=Batching(max_batch_size=64, max_delay_ms=20),
    workload_class=WorkloadClass.BATCH,
    phase_overrides={Phase.HYBRID: PhaseOverride(batching=Batching(max_batch_size=128, max_delay_ms=50,
                                                                   preferred_batch_sizes=(64, 128)))},
)
