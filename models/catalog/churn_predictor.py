"""Churn predictor: two model versions compared in an A/B test (30 % to B, and header-pinned testers)."""
from models.spec import ABTest, Model, Resources, Scaling, Source, WorkloadClass

model = Model(
    name="churn-predictor",
    storage_uri="s3://ml-artifacts/churn-predictor/v1",
    source=Source(factory="models.examples.tabular:build_model", input_shape=(8,)),
    resources=Resources(cpu="500m", memory="1Gi"),
    scaling=Scaling(min_replicas=1, max_replicas=3),
    rollout=ABTest(b_uri="s3://ml-artifacts/churn-predictor/v2", b_weight=30),
    workload_class=WorkloadClass.ELASTIC,
)
