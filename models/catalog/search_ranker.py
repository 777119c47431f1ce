"""Search ranker: the next version sees a 20 % mirror of live traffic before anyone relies on it."""
from models.spec import Mirror, Model, Resources, Scaling, Source, WorkloadClass

model = Model(
    name="search-ranker",
    storage_uri="s3://ml-artifacts/search-ranker/v12",
    source=Source(factory="models.examples.tabular:build_model", input_shape=(8,)),
    resources=Resources(cpu="1", memory="2Gi"),
    scaling=Scaling(min_replicas=1, max_replicas=5, target_concurrency=16),
    rollout=Mirror(shadow_uri="s3://ml-artifacts/search-ranker/v13", percent=20),
    workload_class=WorkloadClass.CRITICAL,
)
