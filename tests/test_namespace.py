"""InferenceNamespace: Pod Security labels, the Karmada template label, and the KServe ingress policy."""
from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.namespace import InferenceNamespace, InferenceNamespaceArgs
from stacks.render import run_program
from stacks.validation import validate_builtin


def render(args: InferenceNamespaceArgs):
    def program():
        InferenceNamespace("ns", args, opts=pulumi.ResourceOptions(provider=k8s.Provider("c", context="t")))
    return run_program(program, stack="test", config={})


def test_member_namespace_with_kserve_ingress_policy():
    r = render(InferenceNamespaceArgs(name="inference", kserve_ingress_policy=True))
    namespace = r.find("Namespace", "inference")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    assert "namespace.karmada.io/skip-auto-propagation" not in namespace["metadata"]["labels"]
    policies = [o for o in r.objects() if o["kind"] == "NetworkPolicy"]
    assert {p["spec"]["podSelector"]["matchExpressions"][0]["key"] for p in policies} == {
        "serving.kserve.io/inferenceservice", "serving.kserve.io/inferencegraph"}
    for policy in policies:
        assert validate_builtin(policy)
        sources = policy["spec"]["ingress"][0]["from"]
        names = {s["namespaceSelector"]["matchLabels"].get("kubernetes.io/metadata.name")
                 for s in sources if "namespaceSelector" in s}
        assert names == {"knative-serving", "istio-system", "monitoring", None}
        assert {"podSelector": {}} in sources
        assert {"namespaceSelector": {"matchLabels": {"inference-platform.io/clients": "true"}}} in sources
        assert policy["spec"]["policyTypes"] == ["Ingress"]


def test_karmada_template_is_not_auto_propagated_and_has_no_policy():
    r = render(InferenceNamespaceArgs(name="inference", karmada_template=True))
    assert r.find("Namespace", "inference")["metadata"]["labels"]["namespace.karmada.io/skip-auto-propagation"] \
        == "true"
    assert [o["kind"] for o in r.objects()] == ["Namespace"]
