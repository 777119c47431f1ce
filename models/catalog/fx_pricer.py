"""FX pricing model still served by the Phase 1 TorchServe Deployment while its team validates KServe."""
from models.spec import Batching, Model, Resources, Scaling, Source, WorkloadClass

model = Model(
    name="fx-pricer",
    storage_uri="pvc://model-store/fx-pricer/v2",
    source=Source(factory="models.examples.tabular:build_model", input_shape=(8,)),
    resources=Resources(cpu="1", memory="1Gi"),
    scaling=Scaling(min_replicas=2, max_replicas=4),
    batching=Batching(max_batch_size=4, max_delay_ms=5),
    workload_class=WorkloadClass.CRITICAL,
)
