"""Support-ticket router: a GPU text classifier whose load follows office hours; the private T4s serve the base
load and public on-demand T4s absorb the peaks (elastic)."""
from models.spec import Batching, GpuType, Model, Resources, Scaling, Source, WorkloadClass

model = Model(
    name="ticket-router",
    storage_uri="s3://ml-artifacts/ticket-router/v5",
    source=Source(factory="models.examples.cnn:build_model", input_shape=(1, 28, 28)),
    resources=Resources(cpu="2", memory="4Gi", gpu_count=1, gpu_type=GpuType.T4),
    scaling=Scaling(min_replicas=1, max_replicas=12, target_concurrency=32),
    batching=Batching(max_batch_size=32, max_delay_ms=5),
    workload_class=WorkloadClass.ELASTIC,
)
