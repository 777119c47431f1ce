"""Registers a cluster with Karmada in Push mode: Karmada's controllers reach the member's API server with a
service-account token, as `karmadactl join` arranges it.

Children (all named `<component name>-<part>`):
- on the member (the caller's provider, in `opts`): Namespace `karmada-cluster`, ServiceAccount
  `karmada-<cluster>`, a ClusterRole and ClusterRoleBinding for it, and a service-account token Secret;
- on the Karmada API server (`args.karmada_provider`): Secret `<cluster>` in `karmada-cluster` holding the
  token and the member's CA bundle (keys `token`, `caBundle`, as `Cluster.spec.secretRef` requires) and the
  `Cluster` object (cluster.karmada.io/v1alpha1, served by karmada-aggregated-apiserver: no CRD) with
  `syncMode: Push`.

Permissions on the member (least privilege that still works): `karmadactl join` binds `*/*/*`. This token is what
a forged Cluster object would harvest (issue 13), so it reads and writes only what Karmada touches:
- reads of nodes and pods, cluster-wide (the cluster-status controller's informers: karmada-io/karmada v1.18.2
  `pkg/controllers/status/cluster_status_controller.go` `nodeGVR`, `podGVR`), and of namespaces;
- reads and writes of the kinds the platform propagates (`write_rules`), cluster-wide: the work-status
  controller's informers watch every namespace (`pkg/util/fedinformer/genericmanager/single-cluster-manager.go`
  `NewDynamicSharedInformerFactory`), so a namespaced grant would not do;
- no Secrets at all: a cluster-wide Secret read would hand over every credential on the cluster (Karmada's CA
  key included). The platform propagates no Secret (model pods read the S3 keys from a Secret each cluster's
  owner creates); a policy that propagated one would see its Work fail with Forbidden.
Propagating another kind means adding it to `write_rules`. Non-resource access is limited to health and discovery
endpoints.

The token is read back from the created Secret (pulumi-kubernetes waits until the token controller fills a
`kubernetes.io/service-account-token` Secret) and stays a secret Output.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.options import inherited_dependencies

CLUSTER_API_VERSION = "cluster.karmada.io/v1alpha1"
CLUSTER_KIND = "Cluster"
CLUSTER_SECRETS_NAMESPACE = "karmada-cluster"
IN_CLUSTER_ENDPOINT = "https://kubernetes.default.svc"
CLOUD_LABEL = "inference-platform.io/cloud"
READ_VERBS = ["get", "list", "watch"]
WRITE_VERBS = ["create", "update", "patch", "delete"]


@dataclass(frozen=True)
class WriteRule:
    """Kinds Karmada may create, update and delete on the member: `resources` of `api_group` ("*" for all)."""

    api_group: str
    resources: tuple[str, ...]


# What the platform propagates: Namespaces (Karmada syncs them to every member), the dependencies of an
# InferenceService (per the interpreter's GetDependencies: ServiceAccounts, ConfigMaps, PVCs; never Secrets, see
# the module docstring), Services, and every KServe kind (InferenceService, ClusterServingRuntime, ...).
DEFAULT_WRITE_RULES: tuple[WriteRule, ...] = (
    WriteRule("", ("namespaces", "serviceaccounts", "configmaps", "persistentvolumeclaims", "services")),
    WriteRule("serving.kserve.io", ("*",)),
)
# What the cluster-status controller reads besides the propagated kinds.
STATUS_READS: tuple[WriteRule, ...] = (WriteRule("", ("nodes", "pods", "namespaces")),)
FORBIDDEN_RESOURCES = frozenset({"secrets", "*"})
# The cluster-status controller probes /readyz then /healthz; discovery reads /api and /apis.
NON_RESOURCE_URLS = ("/readyz", "/healthz", "/livez", "/version", "/api", "/api/*", "/apis", "/apis/*")


@dataclass(frozen=True)
class PushMemberArgs:
    """Register this member as Karmada cluster `cluster_name`, reached at `api_endpoint` (default: the in-cluster
    API server, right when Karmada runs on this very cluster). The Cluster carries `labels` (default
    `inference-platform.io/cloud: private`) and `provider`/`region` when given. `karmada_provider` reaches the
    Karmada API server; the objects there wait for `karmada_ready` (the control plane's release)."""

    cluster_name: str
    karmada_provider: k8s.Provider
    karmada_ready: Sequence[pulumi.Resource] = ()
    api_endpoint: str = IN_CLUSTER_ENDPOINT
    labels: Mapping[str, str] = field(default_factory=lambda: {CLOUD_LABEL: "private"})
    provider: Optional[str] = None
    region: Optional[str] = None
    namespace: str = CLUSTER_SECRETS_NAMESPACE
    write_rules: tuple[WriteRule, ...] = DEFAULT_WRITE_RULES

    def __post_init__(self) -> None:
        if not self.api_endpoint.startswith("https://"):
            raise ValueError(f"api_endpoint: got {self.api_endpoint!r}, expected an https:// URL")
        if not self.write_rules:
            raise ValueError("write_rules: Karmada needs to write at least the kinds it propagates")
        core = [r for rule in self.write_rules if rule.api_group in ("", "*") for r in rule.resources]
        if FORBIDDEN_RESOURCES & set(core):
            raise ValueError(f"write_rules: got core resources {core!r}, expected no 'secrets' (or '*'): this "
                             "token would read every Secret on the member")


def member_rbac(cluster: str, namespace: str, write_rules: Sequence[WriteRule]) -> tuple[dict, dict, dict]:
    """(ServiceAccount, ClusterRole, ClusterRoleBinding) on the member, named as `karmadactl join` names them."""
    sa_name = f"karmada-{cluster}"
    role_name = f"karmada-controller-manager:{sa_name}"
    service_account = {"apiVersion": "v1", "kind": "ServiceAccount",
                       "metadata": {"name": sa_name, "namespace": namespace}}
    rules = [{"apiGroups": [r.api_group], "resources": list(r.resources), "verbs": list(READ_VERBS)}
             for r in STATUS_READS]
    rules += [{"apiGroups": [r.api_group], "resources": list(r.resources), "verbs": READ_VERBS + WRITE_VERBS}
              for r in write_rules]
    rules.append({"nonResourceURLs": list(NON_RESOURCE_URLS), "verbs": ["get"]})
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role_name},
            "rules": rules}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": role_name},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name},
               "subjects": [{"kind": "ServiceAccount", "name": sa_name, "namespace": namespace}]}
    return service_account, role, binding


def cluster_object(args: PushMemberArgs) -> dict:
    """The `Cluster` object for the Karmada API server (fields of cluster.karmada.io/v1alpha1 ClusterSpec)."""
    spec = {"syncMode": "Push", "apiEndpoint": args.api_endpoint,
            "secretRef": {"namespace": CLUSTER_SECRETS_NAMESPACE, "name": args.cluster_name}}
    if args.provider:
        spec["provider"] = args.provider
    if args.region:
        spec["region"] = args.region
    meta = {"name": args.cluster_name}
    if args.labels:
        meta["labels"] = dict(args.labels)
    return {"apiVersion": CLUSTER_API_VERSION, "kind": CLUSTER_KIND, "metadata": meta, "spec": spec}


# cluster.karmada.io/v1alpha1 ClusterSpec fields this platform may set (no CRD exists to validate against: the
# karmada-aggregated-apiserver serves the kind): karmada-io/karmada v1.18.2 pkg/apis/cluster/v1alpha1/types.go.
CLUSTER_SPEC_FIELDS = frozenset({"syncMode", "apiEndpoint", "secretRef", "impersonatorSecretRef", "id", "provider",
                                 "region", "zones", "taints", "resourceModels"})
SYNC_MODES = ("Push", "Pull")


def cluster_object_errors(obj: Mapping) -> list[str]:
    """What is wrong with a `Cluster` object ([] when nothing): the check that stands in for a CRD schema."""
    errors = []
    if obj.get("apiVersion") != CLUSTER_API_VERSION or obj.get("kind") != CLUSTER_KIND:
        errors.append(f"apiVersion/kind: expected {CLUSTER_API_VERSION} {CLUSTER_KIND}")
    errors += [f"unknown top-level field {k!r}" for k in sorted(set(obj) - {"apiVersion", "kind", "metadata", "spec"})]
    spec = obj.get("spec") or {}
    errors += [f"spec: unknown field {k!r} (known: {', '.join(sorted(CLUSTER_SPEC_FIELDS))})"
               for k in sorted(set(spec) - CLUSTER_SPEC_FIELDS)]
    if spec.get("syncMode") not in SYNC_MODES:
        errors.append(f"spec.syncMode: got {spec.get('syncMode')!r}, expected Push or Pull")
    for key in ("secretRef", "impersonatorSecretRef"):
        ref = spec.get(key)
        if ref is not None and (not isinstance(ref, Mapping) or set(ref) != {"namespace", "name"}):
            errors.append(f"spec.{key}: expected {{namespace, name}}")
    ref = spec.get("secretRef")
    if spec.get("syncMode") == "Push" and (not spec.get("apiEndpoint") or ref is None):
        errors.append("spec: Push mode needs apiEndpoint and secretRef (Karmada dials the member)")
    return errors




class PushMember(pulumi.ComponentResource):
    """A member cluster Karmada pushes to (pass the member's provider in `opts`); `cluster` is the Karmada
    `Cluster` object."""

    cluster: k8s.apiextensions.CustomResource
    token: pulumi.Output[str]

    def __init__(self, name: str, args: PushMemberArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:karmada:PushMember", name, None, opts)
        after = inherited_dependencies(opts)
        on_member = pulumi.ResourceOptions(parent=self, depends_on=after)
        sa, role, binding = member_rbac(args.cluster_name, args.namespace, args.write_rules)

        self.namespace = k8s.core.v1.Namespace(f"{name}-namespace", metadata={"name": args.namespace},
                                               opts=on_member)
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[*after, self.namespace])
        self.service_account = k8s.core.v1.ServiceAccount(f"{name}-service-account", metadata=sa["metadata"],
                                                          automount_service_account_token=False, opts=in_namespace)
        self.cluster_role = k8s.rbac.v1.ClusterRole(f"{name}-cluster-role", metadata=role["metadata"],
                                                    rules=role["rules"], opts=on_member)
        self.cluster_role_binding = k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-cluster-role-binding", metadata=binding["metadata"], role_ref=binding["roleRef"],
            subjects=binding["subjects"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster_role, self.service_account]))
        self.token_secret = k8s.core.v1.Secret(
            f"{name}-token",
            metadata={"name": f"{sa['metadata']['name']}-token", "namespace": args.namespace,
                      "annotations": {"kubernetes.io/service-account.name": sa["metadata"]["name"]}},
            type="kubernetes.io/service-account-token",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service_account]))

        # Secret data is base64 already: it goes into the Karmada-side Secret's `data` as is.
        data = self.token_secret.data
        self.token = pulumi.Output.secret(data.apply(lambda d: (d or {}).get("token")))
        ca_bundle = pulumi.Output.secret(data.apply(lambda d: (d or {}).get("ca.crt")))

        on_karmada = pulumi.ResourceOptions(parent=self, provider=args.karmada_provider,
                                            depends_on=[*args.karmada_ready])
        self.karmada_secret = k8s.core.v1.Secret(
            f"{name}-karmada-secret",
            metadata={"name": args.cluster_name, "namespace": CLUSTER_SECRETS_NAMESPACE},
            type="Opaque",
            data={"token": self.token, "caBundle": ca_bundle},
            opts=on_karmada)
        obj = cluster_object(args)
        self.cluster = k8s.apiextensions.CustomResource(
            f"{name}-cluster", api_version=obj["apiVersion"], kind=obj["kind"], metadata=obj["metadata"],
            spec=obj["spec"],
            opts=pulumi.ResourceOptions(parent=self, provider=args.karmada_provider,
                                        depends_on=[*args.karmada_ready, self.karmada_secret,
                                                    self.cluster_role_binding]))
        self.register_outputs({"cluster": args.cluster_name})
