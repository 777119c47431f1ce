"""Handwritten-digit reader for scanned forms: a small CNN on a T4, idle most of the day (scale-to-zero),
with a new version on a 10 % canary."""
from models.spec import Batching, Canary, GpuType, Model, Resources, Scaling, Source, WorkloadClass

model = Model(
    name="digit-reader",
    storage_uri="s3://ml-artifacts/digit-reader/v7",
    source=Source(factory="models.examples.cnn:build_model", input_shape=(1, 28, 28),
                  labels=tuple(str(d) for d in range(10))),
    resources=Resources(cpu="2", memory="4Gi", gpu_count=1, gpu_type=GpuType.T4),
    scaling=Scaling(min_replicas=0, max_replicas=4, target_concurrency=32),
    batching=Batching(max_batch_size=32, max_delay_ms=5),
    rollout=Canary(candidate_uri="s3://ml-artifacts/digit-reader/v8", traffic_percent=10),
    workload_class=WorkloadClass.ELASTIC,
)
