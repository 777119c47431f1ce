"""Issue 13, finding 1 on the private cluster: the Push member's token (what a forged Cluster would harvest) reads no
Secrets and nothing beyond what Karmada touches."""
from __future__ import annotations

import pytest

from components.karmada.member import PushMemberArgs, WriteRule, member_rbac
from tests.messages import exactly


def rules_of(private_render):
    roles = [o for o in private_render.objects("private")
             if o["kind"] == "ClusterRole" and o["metadata"]["name"] == "karmada-controller-manager:karmada-private"]
    assert len(roles) == 1
    return roles[0]["rules"]


def test_push_member_role_is_exactly_what_karmada_touches(private_render):
    assert rules_of(private_render) == [
        {"apiGroups": [""], "resources": ["nodes", "pods", "namespaces"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["namespaces", "serviceaccounts", "configmaps", "persistentvolumeclaims",
                                          "services"],
         "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
        {"apiGroups": ["serving.kserve.io"], "resources": ["*"],
         "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
        {"nonResourceURLs": ["/readyz", "/healthz", "/livez", "/version", "/api", "/api/*", "/apis", "/apis/*"],
         "verbs": ["get"]},
    ]


def test_push_member_token_cannot_read_secrets_anywhere(private_render):
    for rule in rules_of(private_render):
        if "resources" not in rule:
            continue
        groups, resources = rule["apiGroups"], rule["resources"]
        assert "*" not in groups
        if "" in groups:
            assert "secrets" not in resources and "*" not in resources


@pytest.mark.parametrize("resources", [("secrets",), ("configmaps", "*")])
def test_write_rules_that_would_read_secrets_are_refused(resources):
    with pytest.raises(ValueError, match="no 'secrets'") as raised:
        PushMemberArgs(cluster_name="private", karmada_provider=None,  # type: ignore[arg-type]
                       write_rules=(WriteRule("", resources),))
    exactly(str(raised.value))


def test_member_rbac_has_no_wildcard_read():
    _, role, _ = member_rbac("private", "karmada-cluster", (WriteRule("", ("services",)),))
    assert all(rule.get("apiGroups") != ["*"] and rule.get("resources") != ["*"] for rule in role["rules"])
