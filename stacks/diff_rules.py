"""What forces a resource to be replaced, and which resources a change must not lose: the facts `stacks diff` uses.

Replacement is the provider's decision, so each table below is copied from the provider's own diff code, with the
place it was read. Paths are Pulumi input paths (camelCase, as in resources.json), `[*]` for any list element; a
changed path forces replacement when it equals a listed path or lies under it.
"""
from __future__ import annotations

import re
from typing import Optional

from stacks.resource_types import HELM_RELEASE, K8S_PROVIDER

# --- Kubernetes objects ------------------------------------------------------------------------------------------
# pulumi/pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go (`forceNew`, `metadataForceNewProperties`,
# `labelSelectorForceNewProperties`); unchanged up to master 9497796 (2026-07-01), which the pinned v4.34.2 falls
# within. Only kinds this platform renders or may render are listed; the Pod row does not apply to the pod
# template of a Deployment (the provider keys by the object's own kind).
K8S_IDENTITY = ("metadata.name", "metadata.namespace")  # provider.go `Diff`: "Changing the identity ... replacement"
_SELECTOR = ("spec.selector",)
K8S_FORCE_NEW: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): _SELECTOR,
    ("apps", "DaemonSet"): _SELECTOR,
    ("apps", "StatefulSet"): ("spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.selector",
                              "spec.serviceName", "spec.volumeClaimTemplates"),
    ("batch", "Job"): ("spec.completions", "spec.parallelism", "spec.selector", "spec.template"),
    ("", "PersistentVolumeClaim"): ("spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"),
    ("", "ResourceQuota"): ("spec.scopes",),
    ("", "Service"): ("spec.clusterIP",),
    ("", "Secret"): ("type",),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): ("roleRef",),
    ("rbac.authorization.k8s.io", "RoleBinding"): ("roleRef",),
    ("storage.k8s.io", "StorageClass"): ("parameters", "provisioner"),
}
# Same file: a Secret's `type`, `stringData` and `data` (a ConfigMap's `data`, `binaryData`) force replacement
# unless the provider sets `enableSecretMutable` (`enableConfigMapMutable`), or the object is `immutable: true`.
K8S_SECRET_DATA = ("type", "stringData", "data")
K8S_CONFIGMAP_DATA = ("binaryData", "data")

# pulumi/pulumi-kubernetes v4.32.0 provider/pkg/provider/helm_release.go `Diff`: forceNewFields ".name", ".namespace".
HELM_RELEASE_FORCE_NEW = ("name", "namespace")

# --- AWS (pulumi-aws bridges terraform-provider-aws: its `ForceNew: true` fields replace) ------------------------------
# Read in hashicorp/terraform-provider-aws (v6 line; the exact upstream commit pulumi-aws v7.51.1 builds could not be
# read here: the pulumi-aws mirror is too large to fetch). Files and stored commits:
#   internal/service/eks/cluster.go @00555dc5  (vpc_config.subnet_ids / security_group_ids are NOT ForceNew there:
#                                                EKS updates them in place)
#   internal/service/eks/node_group.go @012e0a32
#   internal/service/iam/role.go @0040ea69, role_policy.go @02f97af8, role_policy_attachment.go @04c79849,
#   internal/service/iam/openid_connect_provider.go @01606926, internal/service/autoscaling/group_tag.go @050ac111
AWS_FORCE_NEW: dict[str, tuple[str, ...]] = {
    "aws:eks/cluster:Cluster": (
        "name", "roleArn", "bootstrapSelfManagedAddons", "accessConfig.bootstrapClusterCreatorAdminPermissions",
        "kubernetesNetworkConfig.ipFamily", "kubernetesNetworkConfig.serviceIpv4Cidr",
        "outpostConfig.controlPlaneInstanceType", "outpostConfig.controlPlanePlacement.groupName",
        "remoteNetworkConfig"),
    "aws:eks/nodeGroup:NodeGroup": (
        "amiType", "capacityType", "clusterName", "diskSize", "instanceTypes", "launchTemplate.id",
        "launchTemplate.name", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "remoteAccess", "subnetIds"),
    "aws:iam/role:Role": ("name", "namePrefix", "path"),
    "aws:iam/rolePolicy:RolePolicy": ("name", "namePrefix", "role"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", "policyArn"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ("url",),
    "aws:autoscaling/tag:Tag": ("autoscalingGroupName", "tag.key"),
}

# --- TLS (pulumi-tls bridges terraform-provider-tls) ------------------------------------------------------------
# hashicorp/terraform-provider-tls v4.2.1 internal/provider/resource_{private_key,self_signed_cert,cert_request,
# locally_signed_cert}.go: every configurable attribute has a RequiresReplace plan modifier except
# `early_renewal_hours` (updated in place).
TLS_UPDATABLE = ("earlyRenewalHours",)

# --- What serves traffic, what holds state ------------------------------------------------------------------------
# Kinds whose loss cuts a model's traffic: the Phase 1 Deployment and Service, the Phase 2 InferenceService and
# InferenceGraph, and the routes in front of them (Istio VirtualService; Gateway API HTTPRoute in Standard mode).
SERVING_KINDS = frozenset({"Deployment", "Service", "InferenceService", "InferenceGraph", "VirtualService",
                           "HTTPRoute"})
# Kinds whose loss loses data or everything inside: a namespace deletes its contents, a claim its volume, a CRD
# every custom resource of its kind.
STATEFUL_KINDS = frozenset({"Namespace", "PersistentVolumeClaim", "PersistentVolume", "StatefulSet",
                            "CustomResourceDefinition"})
EKS_CLUSTER = "aws:eks/cluster:Cluster"
# Key material: replacing a key (or the self-signed CA) invalidates every certificate issued with it.
TLS_KEY_MATERIAL = frozenset({"tls:index/privateKey:PrivateKey", "tls:index/selfSignedCert:SelfSignedCert"})
KARMADA_CONTROL_PLANE = "platform:karmada:KarmadaControlPlane"  # its Helm release runs Karmada's etcd
MODEL_LABEL = "app.kubernetes.io/name"
PART_OF_LABEL = "app.kubernetes.io/part-of"
PLATFORM = "inference-platform"


def api_group(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


_INDEX = re.compile(r"\[\d+\]")


def _normal(path: str) -> str:
    return _INDEX.sub("[*]", path)


def under(path: str, rule: str) -> bool:
    """`path` equals `rule` or lies under it (list indices match `[*]`)."""
    path = _normal(path)
    return path == rule or path.startswith(rule + ".") or path.startswith(rule + "[")


K8S_PROVIDER_SOURCE = "pulumi-kubernetes v4.32.0 provider/pkg/provider/provider.go DiffConfig"


def force_new_paths(type_: str, inputs: dict, provider_inputs: Optional[dict] = None) -> tuple[tuple[str, ...], str]:
    """(paths whose change replaces a resource of `type_`, where that rule was read). Empty paths and source
    "unknown" for a type without a table: the diff reports its changes as updates and says the rule is unknown."""
    provider_inputs = provider_inputs or {}
    if type_ == K8S_PROVIDER:
        # pulumi-kubernetes v4.32.0 provider/pkg/provider/provider.go DiffConfig: a changed kubeconfig, context or
        # cluster that changes the active cluster replaces the provider (and so every resource it manages); the
        # render cannot resolve a kubeconfig, so any change of the three counts. With `clusterIdentifier` set, only
        # a changed identifier replaces it; renderYamlToDirectory always does.
        if "clusterIdentifier" in inputs:
            return ("clusterIdentifier", "renderYamlToDirectory"), K8S_PROVIDER_SOURCE
        return ("kubeconfig", "context", "cluster", "renderYamlToDirectory"), K8S_PROVIDER_SOURCE
    if type_ == HELM_RELEASE:
        return HELM_RELEASE_FORCE_NEW, "pulumi-kubernetes v4.32.0 provider/pkg/provider/helm_release.go"
    if type_.startswith("kubernetes:") and "apiVersion" in inputs:
        group, kind = api_group(str(inputs.get("apiVersion", ""))), str(inputs.get("kind", ""))
        paths = list(K8S_IDENTITY) + list(K8S_FORCE_NEW.get((group, kind), ()))
        immutable = inputs.get("immutable") is True
        if group == "" and kind == "Secret" and (immutable or not _flag(provider_inputs, "enableSecretMutable")):
            paths += K8S_SECRET_DATA
        if group == "" and kind == "ConfigMap" and (immutable or not _flag(provider_inputs, "enableConfigMapMutable")):
            paths += K8S_CONFIGMAP_DATA
        return tuple(dict.fromkeys(paths)), "pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go"
    if type_ in AWS_FORCE_NEW:
        return AWS_FORCE_NEW[type_], "terraform-provider-aws ForceNew (see stacks/diff_rules.py)"
    if type_.startswith("tls:"):
        fields = tuple(k for k in inputs if k not in TLS_UPDATABLE)
        return fields, "terraform-provider-tls v4.2.1 RequiresReplace"
    return (), "unknown"


def _flag(inputs: dict, key: str) -> bool:
    return str(inputs.get(key, "")).lower() == "true"


def kind_of(type_: str, inputs: dict) -> Optional[str]:
    if type_.startswith("kubernetes:") and "kind" in inputs:
        return str(inputs["kind"])
    return None


def model_of(inputs: dict) -> Optional[str]:
    """The model a platform object belongs to (its `app.kubernetes.io/name` label), if any."""
    labels = (inputs.get("metadata") or {}).get("labels") or {}
    if labels.get(PART_OF_LABEL) == PLATFORM and labels.get(MODEL_LABEL):
        return str(labels[MODEL_LABEL])
    return None
