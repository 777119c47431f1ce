"""The platform's own image runs as a high, non-root uid, and the pods it runs in say the same (checkov CKV_K8S_40:
a uid of at least 10000 matches no user of the node's /etc/passwd)."""
from __future__ import annotations

import re
from pathlib import Path

from components.pod import RUN_AS_USER, pod_security_context

DOCKERFILE = (Path(__file__).resolve().parent.parent / "images" / "torchserve" / "Dockerfile").read_text()


def test_the_image_user_is_10001_in_the_dockerfile_and_the_pod_defaults():
    assert RUN_AS_USER == 10001
    assert re.search(r"^USER 10001:10001$", DOCKERFILE, re.M)
    assert "groupadd --gid 10001 model-server" in DOCKERFILE
    assert "useradd --uid 10001 --gid 10001 " in DOCKERFILE
    assert pod_security_context() == {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                                      "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}}


def test_every_rendered_pod_that_sets_a_user_sets_one_of_at_least_10000(private_render, public_render):
    seen = 0
    for render in (private_render, public_render):
        for obj in render.objects():
            for path, ctx in _security_contexts(obj):
                if "runAsUser" in ctx:
                    seen += 1
                    assert ctx["runAsUser"] >= 10000, f"{obj['kind']} {obj['metadata'].get('name')} {path}"
    assert seen >= 2  # Phase 1 Deployment and the InferenceServices' predictors at least


def test_the_phase_1_deployment_runs_as_the_image_user(private_render):
    spec = private_render.find("Deployment", "fx-pricer")["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsUser"] == 10001 and spec["securityContext"]["fsGroup"] == 10001


def _security_contexts(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "securityContext" and isinstance(value, dict):
                yield f"{path}.{key}", value
            yield from _security_contexts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _security_contexts(value, f"{path}[{i}]")
