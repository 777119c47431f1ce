"""Card-fraud scorer: a tabular MLP on the critical path of payments; stays on the private cluster."""
from models.spec import Batching, Model, Resources, Scaling, Source, WorkloadClass

model = Model(
    name="fraud-scorer",
    storage_uri="s3://ml-artifacts/fraud-scorer/v3",
    source=Source(factory="models.examples.tabular:build_model", input_shape=(8,),
                  labels=("legit", "review", "fraud")),
    resources=Resources(cpu="1", memory="2Gi"),
    scaling=Scaling(min_replicas=2, max_replicas=6, target_concurrency=16),
    batching=Batching(max_batch_size=16, max_delay_ms=10),
    workers=2,
    workload_class=WorkloadClass.CRITICAL,
)
