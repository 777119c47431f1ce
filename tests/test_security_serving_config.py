"""Issue 13, finding 8: in phase 2 the platform, not the artifact, owns TorchServe's config.properties."""
from __future__ import annotations

import pytest

from components.kserve.runtimes import torchserve_gpu_runtime, torchserve_runtime
from tests.test_isvc_interpreter import call

ISVC = "kubernetes:serving.kserve.io/v1beta1:InferenceService"


def karmada_objects(private_render, kind):
    return {o["metadata"]["name"]: o for o in private_render.objects("karmada-provider") if o["kind"] == kind}


@pytest.mark.parametrize("runtime", [torchserve_runtime(), torchserve_gpu_runtime()], ids=["cpu", "gpu"])
def test_torchserve_runtimes_never_read_config_from_the_artifact(runtime):
    [container] = runtime["spec"]["containers"]
    assert "--ts-config=/etc/torchserve/config.properties" in container["args"]
    assert not [a for a in container["args"] if "/mnt/models/config" in a]
    assert {"name": "torchserve-config", "mountPath": "/etc/torchserve", "readOnly": True} in container["volumeMounts"]


def test_every_torchserve_inference_service_mounts_a_platform_config_map(private_render):
    isvcs = karmada_objects(private_render, "InferenceService")
    config_maps = karmada_objects(private_render, "ConfigMap")
    torchserve = {n: o for n, o in isvcs.items()
                  if o["spec"]["predictor"]["model"]["runtime"] in ("platform-torchserve", "platform-torchserve-gpu")}
    assert torchserve
    for name, isvc in torchserve.items():
        [volume] = isvc["spec"]["predictor"]["volumes"]
        assert volume["name"] == "torchserve-config"
        cm = config_maps[volume["configMap"]["name"]]
        assert cm["metadata"]["namespace"] == isvc["metadata"]["namespace"]
        properties = cm["data"]["config.properties"].splitlines()
        # What the bucket must not decide: where the management API listens, and whether it registers models.
        assert "management_address=http://127.0.0.1:8081" in properties
        assert "enable_model_api=false" in properties
        assert "grpc_management_address=127.0.0.1" in properties
    triton = [o for o in isvcs.values() if o["spec"]["predictor"]["model"]["runtime"] == "platform-triton"]
    assert all("volumes" not in o["spec"]["predictor"] for o in triton)


def test_the_config_map_travels_with_the_inference_service_through_karmada(private_render):
    isvc = next(o for o in karmada_objects(private_render, "InferenceService").values()
                if "volumes" in o["spec"]["predictor"])
    refs = call("dependencyInterpretation", isvc)
    cm = isvc["spec"]["predictor"]["volumes"][0]["configMap"]["name"]
    assert {"apiVersion": "v1", "kind": "ConfigMap", "namespace": isvc["metadata"]["namespace"], "name": cm} in refs
