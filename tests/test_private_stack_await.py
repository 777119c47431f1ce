"""The private stack never waits for an InferenceService that no Push member hosts.

Only Pull members (public clusters) may host a batch model, and they join Karmada after the private stack's update
has exported their credentials: an InferenceService waiting for PredictorReady there would hold that update until
its timeout. pulumi-kubernetes skips the wait for `pulumi.com/skipAwait: "true"` before looking at `waitFor`
(provider/pkg/metadata/overrides.go `ReadyCondition` line 108; annotations.go lines 33 and 97-101, exactly "true";
read at v4.32.0, the newest tag in the mirror, unchanged on master).
"""
from __future__ import annotations

PUSH_MEMBER = "private"  # Pulumi.private.yaml platform:cluster.name; the stack's only Push member


def inference_services(render) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in render.objects() if o["kind"] == "InferenceService"}


def test_the_batch_model_only_pull_members_host_does_not_block_the_update(private_render):
    assert private_render.outputs["modelClusters"]["doc-classifier-batch"] == ["aws-use1"]
    annotations = inference_services(private_render)["doc-classifier-batch"]["metadata"]["annotations"]
    assert annotations["pulumi.com/skipAwait"] == "true"
    assert "pulumi.com/waitFor" not in annotations and "pulumi.com/timeoutSeconds" not in annotations


def test_every_inference_service_waits_exactly_when_a_push_member_hosts_it(private_render):
    clusters = private_render.outputs["modelClusters"]
    services = inference_services(private_render)
    waited, skipped = set(), set()
    for name, obj in services.items():
        model = obj["metadata"]["labels"]["app.kubernetes.io/name"]
        annotations = obj["metadata"]["annotations"]
        if PUSH_MEMBER in clusters[model]:
            assert annotations["pulumi.com/waitFor"] == "condition=PredictorReady", name
            assert "pulumi.com/skipAwait" not in annotations, name
            waited.add(name)
        else:
            assert annotations.get("pulumi.com/skipAwait") == "true", name
            skipped.add(name)
    assert skipped == {"doc-classifier-batch"}
    # elastic (private first, public overflow) and critical models are hosted by the Push member: they wait
    assert {"ticket-router", "fraud-scorer", "digit-reader", "search-ranker"} <= waited
