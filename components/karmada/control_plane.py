"""The Karmada control plane on the private cluster: Karmada's upstream Helm chart, certificates minted by the
stack, a Kubernetes provider for the Karmada API server, the InferenceService resource interpreter, and the
credentials (and RBAC) of the Pull-mode agents on the public clusters.

Children (all named `<component name>-<part>`):
- on no cluster (pulumi-tls, state only): the Karmada CA, the API server certificate, the front-proxy CA and
  client certificate, the stack's own admin client certificate, and one client certificate per Pull member;
- on the private cluster (the caller's provider): the chart `karmada` as a `helm.v3.Release`;
- on the Karmada API server (`self.provider`): the InferenceService `ResourceInterpreterCustomization` and, per
  Pull member, the RBAC `karmadactl register` would create for its agent.

Behaviour:
- The chart runs with `certs.mode: custom`, so the stack owns the CA. The chart uses one certificate
  (`certs.custom.crt`) as the API server's serving certificate, etcd's, the webhook's and the components' client
  certificate, so it carries the chart's own default subject (CN `system:admin`, O `system:masters`) and hosts
  (`kubernetes.default.svc`, `*.etcd.<ns>.svc.<domain>`, `*.<ns>.svc.<domain>`, `*.<ns>.svc`, `localhost`,
  `127.0.0.1`), plus the host of `api_endpoint` and `extra_sans`. Its key is RSA: the API server also signs
  service-account tokens with it.
- Owning the CA is what lets the stack mint a client certificate for each Pull agent: CN
  `system:karmada:agent:<member>:<generation>`, O `system:karmada:agents`, bound to narrow per-cluster roles like
  those `karmadactl register` creates, without any CSR right. Agents cannot renew themselves: the controller
  manager's `agentcsrapproving` controller is off (`controllerManager.controllers: "*,-agentcsrapproving"`), and
  the agent's role has no `certificatesigningrequests` rule (the chart binds
  `certificatesigningrequests/selfclusteragent` to the group `system:karmada:agents`, which the approver would
  honour: karmada-io/karmada v1.18.2 `charts/karmada/templates/_karmada_bootstrap_token_configuration.tpl`,
  `pkg/controllers/certificate/approver/agent_csr_approving.go`).
- Agent credentials change only with their generation (`agent_generations`, default 1): a new generation is a new
  key (the key, request and certificate are new resources named `agent-<member>-g<generation>`), a new identity,
  and RBAC that names only the new identity. Bumping it is both the renewal and the revocation: the old
  certificate still authenticates until it expires (Kubernetes has no revocation list), but as a user no binding
  names. Agent certificates have no early renewal, so `pulumi up` never re-signs an old key.
- The internal etcd trusts the Karmada CA for clients (chart `templates/etcd.yaml` `--trusted-ca-file=
  .../server-ca.crt`, which `templates/karmada-cert.yaml` fills from `certs.custom.caCrt`), so every
  certificate this CA signs, an agent's too, would be an etcd client if it reached etcd. The chart offers no
  separate etcd client CA short of `etcd.mode: external`; components/security/karmada_network.py admits only the
  two API servers to etcd.
- Every component pod carries a SHA-256 of the certificates it mounts (`<component>.podAnnotations`): renewed
  certificates roll the pods (etcd, whose template reads no podAnnotations, restarts by hand). `certificate_expiry`
  gives each certificate's expiry date for the stack to export.
- The stack talks to the Karmada API server as CN `inference-platform:pulumi` in `system:masters`, through a
  kubeconfig built from the certificates: a secret Output from end to end. Its server is `api_endpoint`, which
  must be reachable from wherever `pulumi up` runs (the default, the in-cluster Service name, is reachable only
  from inside the private cluster).
- Every image the chart runs is pinned to a registry, repository and tag the platform chose
  (components.versions.KARMADA_IMAGES; the chart's own defaults include `latest` and a kubectl repository that
  publishes nothing else), and the controller manager's `PropagateDeps` feature gate is turned on (the chart turns
  it off; policies need it so that Secrets and ConfigMaps move with an InferenceService).
- etcd keeps its data on a PersistentVolumeClaim (`etcd_storage_class`, or the cluster's default StorageClass;
  `etcd_storage_size`), not on the chart's default hostPath, which loses the control plane's state when the pod
  moves to another node.
- The API server's Service is the chart's, of type `service_type` (ClusterIP by default: it needs nothing from the
  cluster). NodePort can be fixed with `node_port`. LoadBalancer needs a load-balancer implementation (a cloud's,
  or MetalLB on premises; without one the address never comes and the update times out); the chart (v1.18.2
  templates/karmada-apiserver.yaml) cannot restrict its sources, so the chart's Service stays ClusterIP and this
  component adds its own `<name>-apiserver-lb` Service with `loadBalancerSourceRanges` = `load_balancer_sources`.
- The release waits for its jobs (the static-resource job installs Karmada's CRDs into the Karmada API server);
  everything created on the Karmada API server depends on the release.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence
from urllib.parse import urlparse

import pulumi
import pulumi_kubernetes as k8s
import pulumi_tls as tls

from components.karmada.interpreter import isvc_interpreter_customization
from components.options import child_options
from components.versions import KARMADA_CHART, KARMADA_IMAGES

DEFAULT_NAMESPACE = "karmada-system"
DEFAULT_RELEASE = "karmada"
DEFAULT_API_ENDPOINT = "https://karmada-apiserver.karmada-system.svc:5443"
API_SERVER_PORT = 5443
# Namespaces the chart creates inside the Karmada API server, and Karmada's execution-space prefix.
CLUSTER_SECRETS_NAMESPACE = "karmada-cluster"
EXECUTION_SPACE_PREFIX = "karmada-es-"
KARMADA_SYSTEM_LABEL = "karmada.io/system"
# The client-certificate identity Karmada's pull agents carry (karmadactl register, pkg/util agent RBAC).
AGENT_USER_PREFIX = "system:karmada:agent:"
AGENT_GROUP = "system:karmada:agents"
# karmada-io/karmada v1.18.2 cmd/controller-manager/app/controllermanager.go registers the CSR approver as
# `agentcsrapproving`; pkg/controllers/context/context.go: "*" keeps the defaults, "-name" turns one off.
CONTROLLERS = "*,-agentcsrapproving"
CERT_CHECKSUM_ANNOTATION = "inference-platform.io/certificates-sha256"
# Components whose pod template reads `<component>.podAnnotations` (chart values.yaml, v1.18.2).
ANNOTATED_COMPONENTS = ("apiServer", "aggregatedApiServer", "controllerManager", "scheduler", "webhook",
                        "metricsAdapter", "kubeControllerManager")
ADMIN_COMMON_NAME = "inference-platform:pulumi"
MASTERS_GROUP = "system:masters"
FRONT_PROXY_CLIENT = "front-proxy-client"  # the chart's --requestheader-allowed-names
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")
# The chart's API server pod labels (karmada v1.18.2 values.yaml `apiServer.labels`, used as the Service selector).
API_SERVER_LABELS = {"app": "karmada-apiserver"}
# Where each pinned image goes in the chart's values (karmada v1.18.2 values.yaml) in host mode.
HOST_IMAGE_PATHS = {"scheduler": ("scheduler",), "webhook": ("webhook",), "controllerManager": ("controllerManager",),
                    "aggregatedApiServer": ("aggregatedApiServer",), "metricsAdapter": ("metricsAdapter",),
                    "apiServer": ("apiServer",), "kubeControllerManager": ("kubeControllerManager",),
                    "etcd": ("etcd", "internal"), "kubectl": ("kubectl",), "cfssl": ("cfssl",)}

# Requests and limits per chart component (values keys); sized for a control plane of a handful of members.
_SMALL = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}
COMPONENT_RESOURCES = {
    "apiServer": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
    "aggregatedApiServer": _SMALL, "controllerManager": {"requests": {"cpu": "200m", "memory": "256Mi"},
                                                       "limits": {"cpu": "2", "memory": "1Gi"}},
    "scheduler": _SMALL, "webhook": _SMALL, "metricsAdapter": _SMALL, "kubeControllerManager": _SMALL,
}
ETCD_RESOURCES = {"requests": {"cpu": "200m", "memory": "512Mi"}, "limits": {"cpu": "2", "memory": "2Gi"}}

CA_USES = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"]
SERVER_USES = ["digital_signature", "key_encipherment", "server_auth", "client_auth"]
CLIENT_USES = ["digital_signature", "key_encipherment", "client_auth"]


@dataclass(frozen=True)
class KarmadaControlPlaneArgs:
    """Karmada `KARMADA_VERSION` in `namespace` of the private cluster, as release `release_name`.

    `api_endpoint`: the https URL of the Karmada API server for the stack and for Pull agents (default: the
    in-cluster Service of the default release). `pull_members`: public clusters whose agents get credentials.
    The API server Service is `service_type` (ClusterIP unless agents must reach it from outside: then
    NodePort, on `node_port` if given, or LoadBalancer, open to `load_balancer_sources` only; put the address
    agents dial in `api_endpoint` or `extra_sans`). etcd keeps its data on a PersistentVolumeClaim of
    `etcd_storage_size` in `etcd_storage_class` (None: the cluster's default StorageClass). Certificates: CAs valid
    `ca_validity_hours` (10 years), leaf certificates `cert_validity_hours` (1 year), renewed by `pulumi up`
    within `renew_before_hours` (30 days) of expiry, except Pull agents' certificates, which change only with
    their `agent_generations` entry (default 1; bump it to renew or revoke). `values` is merged over the computed
    chart values.
    `protect` (default on): the release (Karmada's API server and its etcd, the state of every policy and
    InferenceService template) and the Karmada CA's key and certificate (what every member trusts) are `protect`ed:
    no update deletes or replaces them, CA renewal included; leaf certificates stay unprotected so they renew.
    """

    api_endpoint: pulumi.Input[str] = DEFAULT_API_ENDPOINT
    namespace: str = DEFAULT_NAMESPACE
    release_name: str = DEFAULT_RELEASE
    cluster_domain: str = "cluster.local"
    extra_sans: tuple[str, ...] = ()
    service_type: str = "ClusterIP"
    node_port: Optional[int] = None
    load_balancer_sources: tuple[str, ...] = ()
    apiserver_replicas: int = 1
    etcd_storage_class: Optional[str] = None
    etcd_storage_size: str = "5Gi"
    image_registry: Optional[str] = None
    pull_members: tuple[str, ...] = ()
    agent_generations: Mapping[str, int] = field(default_factory=dict)
    ca_validity_hours: int = 10 * 365 * 24
    cert_validity_hours: int = 365 * 24
    renew_before_hours: int = 30 * 24
    timeout_seconds: int = 900
    values: Mapping[str, Any] = field(default_factory=dict)
    protect: bool = True

    def __post_init__(self) -> None:
        override = (self.values.get("controllerManager") or {}).get("controllers") if isinstance(self.values, Mapping) \
            else None
        if override is not None and "-agentcsrapproving" not in str(override).split(","):
            # Revocation relies on it: an old agent key keeps the chart's `selfclusteragent` group right, inert only
            # while the auto-approver is off (karmada v1.18.2 cmd/controller-manager/app/controllermanager.go).
            raise ValueError(f"values.controllerManager.controllers: got {override!r}, expected a list that keeps "
                             "'-agentcsrapproving' (agent certificates are never renewed by CSR)")
        if self.service_type not in SERVICE_TYPES:
            raise ValueError(f"service_type: got {self.service_type!r}, expected one of {', '.join(SERVICE_TYPES)}")
        if isinstance(self.api_endpoint, str):
            _check_endpoint(self.api_endpoint, self.release_name, self.namespace)
        if len(set(self.pull_members)) != len(self.pull_members):
            raise ValueError(f"pull_members: got {list(self.pull_members)!r}, expected unique member names")
        if self.renew_before_hours >= self.cert_validity_hours:
            raise ValueError("renew_before_hours must be shorter than cert_validity_hours")
        if self.node_port is not None and (self.service_type != "NodePort" or not 30000 <= self.node_port <= 32767):
            raise ValueError(f"node_port: got {self.node_port!r}, expected a port from 30000 to 32767 with "
                             "service_type NodePort")
        if self.service_type == "LoadBalancer" and not self.load_balancer_sources:
            raise ValueError("load_balancer_sources: got none, expected the CIDRs allowed to reach a LoadBalancer "
                             "API server")
        if self.apiserver_replicas < 1:
            raise ValueError("apiserver_replicas must be at least 1")
        unknown = sorted(set(self.agent_generations) - set(self.pull_members))
        if unknown:
            raise ValueError(f"agent_generations: got {unknown!r}, expected only pull_members")
        bad = {m: g for m, g in self.agent_generations.items() if not isinstance(g, int) or g < 1}
        if bad:
            raise ValueError(f"agent_generations: got {bad!r}, expected integers >= 1")

    def agent_generation(self, member: str) -> int:
        return self.agent_generations.get(member, 1)


def agent_credentials_output(member: str) -> str:
    """The private stack's output holding one member's agent credentials ({crt, key}, secret)."""
    return f"karmadaAgentCredentials-{member}"


def agent_identity(member: str, generation: int) -> str:
    """The user name (certificate CN) of `member`'s agent at `generation`."""
    return f"{AGENT_USER_PREFIX}{member}:{generation}"


HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def api_endpoint_problem(endpoint: object, release: str = DEFAULT_RELEASE,
                         namespace: str = DEFAULT_NAMESPACE) -> Optional[str]:
    """What a usable `api_endpoint` would be, if `endpoint` is not one (None if it is). Stack configs call this
    before registering anything; the component calls it again as a guard for programmatic use."""
    if not isinstance(endpoint, str):
        return "an https:// URL with a host, such as 'https://karmada.example.com:5443'"
    try:
        url = urlparse(endpoint)  # ValueError for an unclosed IPv6 bracket ('https://[::1')
        port = url.port  # ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        url, port = urlparse(""), -1
    if port is not None and not 1 <= port <= 65535:
        return "an https:// URL whose port is a number from 1 to 65535"
    if url.scheme != "https" or not url.hostname:
        return "an https:// URL with a host, such as 'https://karmada.example.com:5443'"
    if url.username is not None or url.password is not None or url.path not in ("", "/") or url.query \
            or url.fragment or url.params:
        return "an https:// URL of the server alone (scheme, host, port): no user, path, query or fragment"
    host = url.hostname
    if not _is_ip(host) and not HOST_NAME.match(host):
        # The host becomes a certificate SAN and the agents' kubeconfig server: a DNS name (RFC 1123) or an address.
        return "an https:// URL whose host is a DNS name (letters, digits, '-' and '.') or an IP address"
    if host.endswith(".svc") or ".svc." in host:
        expected = f"{release}-apiserver.{namespace}.svc"
        if not host.startswith(expected):
            return (f"the chart's API server Service {expected}:{API_SERVER_PORT} (release {release!r} in "
                    f"{namespace!r}), or an address outside the cluster")
    return None


def _check_endpoint(endpoint: str, release: str, namespace: str) -> None:
    problem = api_endpoint_problem(endpoint, release, namespace)
    if problem:
        raise ValueError(f"api_endpoint: got {endpoint!r}, expected {problem}")


def chart_hosts(namespace: str, cluster_domain: str) -> tuple[list[str], list[str]]:
    """The chart's default certificate hosts (`certs.auto.hosts`), as (DNS names, IP addresses)."""
    return (["kubernetes.default.svc", f"*.etcd.{namespace}.svc.{cluster_domain}",
             f"*.{namespace}.svc.{cluster_domain}", f"*.{namespace}.svc", "localhost"], ["127.0.0.1"])


def _split_sans(names: Sequence[str]) -> tuple[list[str], list[str]]:
    dns, ips = [], []
    for name in names:
        try:
            ips.append(str(ipaddress.ip_address(name)))
        except ValueError:
            dns.append(name)
    return dns, ips


def _endpoint_host(endpoint: str) -> list[str]:
    host = urlparse(endpoint).hostname
    return [host] if host else []


def _deep_merge(base: dict, over: Mapping[str, Any]) -> dict:
    out = copy.copy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def kubeconfig(server: str, ca_pem: str, cert_pem: str, key_pem: str, user: str = "pulumi") -> str:
    """A single-context kubeconfig (JSON, which kubeconfig loaders accept) with client-certificate auth."""
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "karmada",
        "clusters": [{"name": "karmada", "cluster": {"server": server, "certificate-authority-data": _b64(ca_pem)}}],
        "users": [{"name": user, "user": {"client-certificate-data": _b64(cert_pem),
                                          "client-key-data": _b64(key_pem)}}],
        "contexts": [{"name": "karmada", "context": {"cluster": "karmada", "user": user}}],
    })


def agent_rbac(member: str, generation: int = 1) -> list[dict]:
    """The RBAC `karmadactl register` creates on the Karmada API server for a Pull member's agent
    (karmada-io/karmada v1.18.2 `pkg/karmadactl/register/register.go` `GenerateClusterRole` and friends), for the
    identity of `generation` only: its own Cluster object (read) and status, its cluster Secrets in
    `karmada-cluster`, the Works in its execution space, plus leases, events and reads it needs. No
    CertificateSigningRequest rights: agents cannot renew themselves.

    No `create`, `update` or `delete` on clusters (karmadactl grants `delete` for `karmadactl unregister`, which
    this platform does not use): the private stack makes each Pull member's Cluster
    (components/karmada/pull_member.py) with the spec the agent would write, so the agent only reads it (v1.18.2
    `pkg/util/cluster.go` `CreateOrUpdateClusterObject` writes an existing Cluster only when its spec differs). A
    stolen agent key therefore cannot register, change or delete a Cluster: RBAC cannot limit `create` to one name, and no admission policy
    can either (Cluster objects are served by karmada-aggregated-apiserver, which runs no admission chain:
    `cmd/aggregated-apiserver/app/options/options.go` builds its config without admission options). `list` stays
    (the agent's `Validate` lists clusters), and `create` on Secrets in `karmada-cluster` (it reports its
    credentials there on each start, `pkg/util/credential.go`; the names it may read or patch are its own)."""
    user = {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": agent_identity(member, generation)}
    base = f"system:karmada:{member}:agent"
    es = EXECUTION_SPACE_PREFIX + member
    cluster_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": base},
        "rules": [
            {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "resourceNames": [member],
             "verbs": ["get"]},
            {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "verbs": ["list", "watch"]},
            {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters/status"], "resourceNames": [member],
             "verbs": ["update"]},
            {"apiGroups": ["config.karmada.io"],
             "resources": ["resourceinterpreterwebhookconfigurations", "resourceinterpretercustomizations"],
             "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
            {"apiGroups": [""], "resources": ["services"], "verbs": ["list", "watch"]},
            {"apiGroups": [""], "resources": ["events"], "verbs": ["patch", "create", "update"]},
        ],
    }
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": base},
               "subjects": [user], "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                               "name": base}}
    secret_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": f"{base}-secret", "namespace": CLUSTER_SECRETS_NAMESPACE},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [member, f"{member}-impersonator"],
                   "verbs": ["get", "patch"]},
                  {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]}],
    }
    work_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": f"{base}-work", "namespace": es},
        "rules": [{"apiGroups": ["work.karmada.io"], "resources": ["works"],
                   "verbs": ["get", "create", "list", "watch", "update", "delete"]},
                  {"apiGroups": ["work.karmada.io"], "resources": ["works/status"], "verbs": ["patch", "update"]}],
    }

    def role_binding(role: dict) -> dict:
        meta = role["metadata"]
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": dict(meta),
                "subjects": [user], "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                                "name": meta["name"]}}

    namespace = {"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": es, "labels": {KARMADA_SYSTEM_LABEL: "true"}}}
    return [namespace, cluster_role, binding, secret_role, role_binding(secret_role), work_role,
            role_binding(work_role)]


def chart_service_type(service_type: str) -> str:
    """The chart Service's type: LoadBalancer is served by the component's own Service (source ranges)."""
    return "ClusterIP" if service_type == "LoadBalancer" else service_type


def image_values(paths: Mapping[str, Sequence[str]]) -> dict:
    """`{<path>: {"image": {registry, repository, tag}}}` for each pinned image (KARMADA_IMAGES) at its values path."""
    values: dict = {}
    for part, path in paths.items():
        img = KARMADA_IMAGES[part]
        node = values
        for key in path:
            node = node.setdefault(key, {})
        node["image"] = {"registry": img.registry, "repository": img.repository, "tag": img.tag}
    return values


def load_balancer_service(name: str, namespace: str, sources: Sequence[str]) -> dict:
    """The API server's LoadBalancer Service, reachable from `sources` only, in front of the chart's pods."""
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {"app.kubernetes.io/part-of": "inference-platform"}},
            "spec": {"type": "LoadBalancer", "selector": dict(API_SERVER_LABELS),
                     "loadBalancerSourceRanges": list(sources),
                     "ports": [{"name": "https", "port": API_SERVER_PORT, "targetPort": API_SERVER_PORT,
                                "protocol": "TCP"}]}}


@dataclass(frozen=True)
class _Certificate:
    key: tls.PrivateKey
    cert: pulumi.CustomResource  # SelfSignedCert or LocallySignedCert

    @property
    def cert_pem(self) -> pulumi.Output[str]:
        return self.cert.cert_pem

    @property
    def key_pem(self) -> pulumi.Output[str]:
        return pulumi.Output.secret(self.key.private_key_pem)


class KarmadaControlPlane(pulumi.ComponentResource):
    """Karmada on the private cluster (pass the private cluster's provider in `opts`); `provider` reaches the
    Karmada API server."""

    release: k8s.helm.v3.Release
    provider: k8s.Provider
    api_endpoint: pulumi.Output[str]
    ca_certificate: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    chart_values: pulumi.Output[dict]

    def __init__(self, name: str, args: KarmadaControlPlaneArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:karmada:KarmadaControlPlane", name, None, opts)
        self._name, self._args = name, args
        child = child_options(self, opts, protect=args.protect)  # only the release takes it
        endpoint = pulumi.Output.from_input(args.api_endpoint)

        self.ca = self._self_signed_ca("ca", "karmada-ca", protect=args.protect)
        self.front_proxy_ca = self._self_signed_ca("front-proxy-ca", "front-proxy-ca")
        dns, ips = chart_hosts(args.namespace, args.cluster_domain)
        extra_dns, extra_ips = _split_sans(args.extra_sans)
        sans = endpoint.apply(lambda e: _split_sans(_endpoint_host(e)))
        self.server = self._signed(
            "server", self.ca, common_name="system:admin", organization=MASTERS_GROUP, uses=SERVER_USES,
            dns_names=sans.apply(lambda s: _unique(dns + extra_dns + s[0])),
            ip_addresses=sans.apply(lambda s: _unique(ips + extra_ips + s[1])))
        self.front_proxy_client = self._signed("front-proxy-client", self.front_proxy_ca,
                                               common_name=FRONT_PROXY_CLIENT, uses=CLIENT_USES)
        self.admin = self._signed("admin", self.ca, common_name=ADMIN_COMMON_NAME, organization=MASTERS_GROUP,
                                  uses=CLIENT_USES)

        # Secret as a whole: it carries the CA's and the API server's private keys.
        self.chart_values = pulumi.Output.secret(self._values())
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            name=args.release_name,
            namespace=args.namespace,
            create_namespace=True,
            values=self.chart_values,
            timeout=args.timeout_seconds,
            wait_for_jobs=True,
            opts=child,
            **KARMADA_CHART.release_source(),
        )

        self.load_balancer = None
        if args.service_type == "LoadBalancer":
            svc = load_balancer_service(f"{args.release_name}-apiserver-lb", args.namespace,
                                        args.load_balancer_sources)
            self.load_balancer = k8s.core.v1.Service(f"{name}-apiserver-lb", metadata=svc["metadata"],
                                                     spec=svc["spec"], opts=child_options(self, opts, self.release))

        self.api_endpoint = endpoint
        self.ca_certificate = pulumi.Output.secret(self.ca.cert_pem)
        admin_kubeconfig = pulumi.Output.all(endpoint, self.ca.cert_pem, self.admin.cert_pem,
                                             self.admin.key_pem).apply(lambda v: kubeconfig(*v))
        self.kubeconfig = pulumi.Output.secret(admin_kubeconfig)
        self.provider = k8s.Provider(
            f"{name}-provider",
            kubeconfig=self.kubeconfig,
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.release]),
        )
        on_karmada = self._on_karmada()

        spec = isvc_interpreter_customization()
        self.interpreter = k8s.apiextensions.CustomResource(
            f"{name}-isvc-interpreter", api_version=spec["apiVersion"], kind=spec["kind"],
            metadata=spec["metadata"], spec=spec["spec"], opts=on_karmada)

        self._agents: dict[str, _Certificate] = {}
        self.agent_rbac: dict[str, list[pulumi.CustomResource]] = {}
        for member in args.pull_members:
            generation = args.agent_generation(member)
            # A new generation is a new key, request and certificate (new resource names); never an early renewal
            # that would re-sign the old key.
            self._agents[member] = self._signed(f"agent-{member}-g{generation}", self.ca,
                                                common_name=agent_identity(member, generation),
                                                organization=AGENT_GROUP, uses=CLIENT_USES, early_renewal_hours=0)
            self.agent_rbac[member] = self._agent_rbac(member, generation, on_karmada)

        # Expiry (RFC 3339) of every certificate the stack mints, for the stack to export and alert on.
        leaves = {"ca": self.ca, "front-proxy-ca": self.front_proxy_ca, "server": self.server,
                  "front-proxy-client": self.front_proxy_client, "admin": self.admin,
                  **{f"agent-{m}": c for m, c in self._agents.items()}}
        self.certificate_expiry = pulumi.Output.all(
            **{part: c.cert.validity_end_time for part, c in leaves.items()})

        self.register_outputs({"apiEndpoint": self.api_endpoint, "caCertificate": self.ca_certificate,
                               "release": self.release.name})

    # -- public ---------------------------------------------------------------------------------------------

    def karmada_options(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        """Options for a resource or component on the Karmada API server: this provider, after the release (whose
        job installs Karmada's CRDs into the Karmada API server) and after `depends_on`."""
        return pulumi.ResourceOptions(provider=self.provider, depends_on=[self.release, *depends_on])

    def _on_karmada(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions.merge(self.karmada_options(*depends_on), pulumi.ResourceOptions(parent=self))

    def agent_credentials(self, member_name: str) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """(client certificate PEM, private key PEM) of the Pull agent of `member_name`, both secret Outputs;
        for the karmada chart's `agent.kubeconfig.crt` / `agent.kubeconfig.key` on that member."""
        try:
            cert = self._agents[member_name]
        except KeyError:
            raise KeyError(f"no agent credentials for {member_name!r}: declared pull_members are "
                           f"{sorted(self._agents) or 'none'}") from None
        return pulumi.Output.secret(cert.cert_pem), cert.key_pem

    def member_agent_credentials(self, member_name: str) -> pulumi.Output[dict]:
        """{"crt": PEM, "key": PEM} of one Pull member, one secret Output (the private stack exports it per member
        as `karmadaAgentCredentials-<member>`, so no export carries two members' keys)."""
        cert, key = self.agent_credentials(member_name)
        return pulumi.Output.secret({"crt": cert, "key": key})

    # -- children -------------------------------------------------------------------------------------------

    def _key(self, part: str, protect: bool = False) -> tls.PrivateKey:
        return tls.PrivateKey(f"{self._name}-{part}-key", algorithm="RSA", rsa_bits=3072,
                              opts=pulumi.ResourceOptions(parent=self, protect=protect))

    def _self_signed_ca(self, part: str, common_name: str, protect: bool = False) -> _Certificate:
        key = self._key(part, protect)
        cert = tls.SelfSignedCert(
            f"{self._name}-{part}",
            private_key_pem=key.private_key_pem,
            is_ca_certificate=True,
            subject=tls.SelfSignedCertSubjectArgs(common_name=common_name, organization="inference-platform"),
            validity_period_hours=self._args.ca_validity_hours,
            early_renewal_hours=self._args.renew_before_hours,
            allowed_uses=CA_USES,
            opts=pulumi.ResourceOptions(parent=self, protect=protect))
        return _Certificate(key, cert)

    def _signed(self, part: str, ca: _Certificate, *, common_name: str, uses: list[str],
                organization: Optional[str] = None, dns_names=None, ip_addresses=None,
                early_renewal_hours: Optional[int] = None) -> _Certificate:
        key = self._key(part)
        request = tls.CertRequest(
            f"{self._name}-{part}-csr",
            private_key_pem=key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(common_name=common_name, organization=organization),
            dns_names=dns_names,
            ip_addresses=ip_addresses,
            opts=pulumi.ResourceOptions(parent=self))
        cert = tls.LocallySignedCert(
            f"{self._name}-{part}-cert",
            cert_request_pem=request.cert_request_pem,
            ca_cert_pem=pulumi.Output.secret(ca.cert_pem),  # not sensitive, but kept out of the render like the CA
            ca_private_key_pem=ca.key_pem,
            validity_period_hours=self._args.cert_validity_hours,
            early_renewal_hours=self._args.renew_before_hours if early_renewal_hours is None else early_renewal_hours,
            allowed_uses=uses,
            opts=pulumi.ResourceOptions(parent=self))
        return _Certificate(key, cert)

    def _values(self) -> dict[str, Any]:
        args = self._args
        values: dict[str, Any] = {
            "installMode": "host",
            "clusterDomain": args.cluster_domain,
            "certs": {"mode": "custom", "custom": {
                "caCrt": self.ca.cert_pem,
                "caKey": self.ca.key_pem,
                "crt": self.server.cert_pem,
                "key": self.server.key_pem,
                "frontProxyCaCrt": self.front_proxy_ca.cert_pem,
                "frontProxyCrt": self.front_proxy_client.cert_pem,
                "frontProxyKey": self.front_proxy_client.key_pem,
            }},
            "apiServer": {"replicaCount": args.apiserver_replicas,
                          "serviceType": chart_service_type(args.service_type)},
            "controllerManager": {"featureGates": {"PropagateDeps": True}, "controllers": CONTROLLERS},
        }
        if args.node_port is not None:
            values["apiServer"]["nodePort"] = args.node_port
        values = _deep_merge(values, image_values(HOST_IMAGE_PATHS))
        # Renewed certificates roll every component that mounts them (the chart's Secrets change, the pods would
        # not): a checksum of the public certificates in each pod template.
        checksum = pulumi.Output.all(self.ca.cert_pem, self.server.cert_pem, self.front_proxy_ca.cert_pem,
                                     self.front_proxy_client.cert_pem).apply(certificates_checksum)
        for component in ANNOTATED_COMPONENTS:
            values.setdefault(component, {})["podAnnotations"] = {CERT_CHECKSUM_ANNOTATION: checksum}
        # Requests and limits for every control-plane pod (the chart sets none, or requests only).
        for component, resources in COMPONENT_RESOURCES.items():
            values.setdefault(component, {})["resources"] = resources
        values["etcd"]["internal"].update({
            "resources": ETCD_RESOURCES, "storageType": "pvc",
            # An empty class renders `storageClassName:` (null): the cluster's default StorageClass.
            "pvc": {"storageClass": args.etcd_storage_class or "", "size": args.etcd_storage_size}})
        if args.image_registry:
            values["global"] = {"imageRegistry": args.image_registry}
        return _deep_merge(values, args.values)

    def _agent_rbac(self, member: str, generation: int,
                    on_karmada: pulumi.ResourceOptions) -> list[pulumi.CustomResource]:
        created: list[pulumi.CustomResource] = []
        execution_space = None
        for obj in agent_rbac(member, generation):
            kind, meta = obj["kind"], obj["metadata"]
            suffix = "-" + meta["name"].rsplit("-", 1)[-1] if kind in ("Role", "RoleBinding") else ""
            part = f"{self._name}-agent-{member}-{kind.lower()}{suffix}"
            in_space = execution_space is not None and meta.get("namespace") == EXECUTION_SPACE_PREFIX + member
            opts = self._on_karmada(execution_space) if in_space else on_karmada
            if kind == "Namespace":
                execution_space = k8s.core.v1.Namespace(part, metadata=meta, opts=on_karmada)
                created.append(execution_space)
            elif kind == "ClusterRole":
                created.append(k8s.rbac.v1.ClusterRole(part, metadata=meta, rules=obj["rules"], opts=opts))
            elif kind == "ClusterRoleBinding":
                created.append(k8s.rbac.v1.ClusterRoleBinding(part, metadata=meta, subjects=obj["subjects"],
                                                              role_ref=obj["roleRef"], opts=opts))
            elif kind == "Role":
                created.append(k8s.rbac.v1.Role(part, metadata=meta, rules=obj["rules"], opts=opts))
            else:
                created.append(k8s.rbac.v1.RoleBinding(part, metadata=meta, subjects=obj["subjects"],
                                                       role_ref=obj["roleRef"], opts=opts))
        return created


def certificates_checksum(pems: Sequence[str]) -> str:
    """SHA-256 over certificates (public material: each changes whenever its key or validity does)."""
    return hashlib.sha256("\n".join(pems).encode()).hexdigest()


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
