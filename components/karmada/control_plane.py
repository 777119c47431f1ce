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
  `system:karmada:agent:<member>`, O `system:karmada:agents`, the identity `karmadactl register` obtains through
  its CSR, bound to the same narrow per-cluster roles `register` creates (the chart grants agents nothing).
  Certificates are re-issued by `pulumi up` within `renew_before_hours` of expiry; the public stack then re-reads
  them. The agent's own CSR-based rotation is not used.
- The stack talks to the Karmada API server as CN `inference-platform:pulumi` in `system:masters`, through a
  kubeconfig built from the certificates: a secret Output from end to end. Its server is `api_endpoint`, which
  must be reachable from wherever `pulumi up` runs (the default, the in-cluster Service name, is reachable only
  from inside the private cluster).
- Chart image tags are pinned to the chart version (the chart's default is `latest`), and the controller
  manager's `PropagateDeps` feature gate is turned on (the chart turns it off; policies need it so that
  Secrets and ConfigMaps move with an InferenceService).
- The release waits for its jobs (the static-resource job installs Karmada's CRDs into the Karmada API server);
  everything created on the Karmada API server depends on the release.
"""
from __future__ import annotations

import base64
import copy
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence
from urllib.parse import urlparse

import pulumi
import pulumi_kubernetes as k8s
import pulumi_tls as tls

from components.karmada.interpreter import isvc_interpreter_customization
from components.options import child_options
from components.versions import KARMADA_CFSSL_TAG, KARMADA_CHART, KARMADA_KUBECTL_TAG, KARMADA_VERSION

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
ADMIN_COMMON_NAME = "inference-platform:pulumi"
MASTERS_GROUP = "system:masters"
FRONT_PROXY_CLIENT = "front-proxy-client"  # the chart's --requestheader-allowed-names
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")
# Karmada's own images in the chart, all on the chart's `latest` anchor unless pinned.
KARMADA_IMAGE_VALUES = ("scheduler", "webhook", "controllerManager", "aggregatedApiServer", "metricsAdapter")

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
    LoadBalancer or NodePort, and put the address agents dial in `api_endpoint` or `extra_sans`). etcd keeps its
    data on a hostPath unless `etcd_storage_class` names a StorageClass. Certificates: CAs valid
    `ca_validity_hours` (10 years), leaf certificates `cert_validity_hours` (1 year), renewed by `pulumi up`
    within `renew_before_hours` (30 days) of expiry. `values` is merged over the computed chart values.
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
    apiserver_replicas: int = 1
    etcd_storage_class: Optional[str] = None
    etcd_storage_size: str = "5Gi"
    image_registry: Optional[str] = None
    pull_members: tuple[str, ...] = ()
    ca_validity_hours: int = 10 * 365 * 24
    cert_validity_hours: int = 365 * 24
    renew_before_hours: int = 30 * 24
    timeout_seconds: int = 900
    values: Mapping[str, Any] = field(default_factory=dict)
    protect: bool = True

    def __post_init__(self) -> None:
        if self.service_type not in SERVICE_TYPES:
            raise ValueError(f"service_type: got {self.service_type!r}, expected one of {', '.join(SERVICE_TYPES)}")
        if isinstance(self.api_endpoint, str):
            _check_endpoint(self.api_endpoint, self.release_name, self.namespace)
        if len(set(self.pull_members)) != len(self.pull_members):
            raise ValueError(f"pull_members: got {list(self.pull_members)!r}, expected unique member names")
        if self.renew_before_hours >= self.cert_validity_hours:
            raise ValueError("renew_before_hours must be shorter than cert_validity_hours")
        if self.apiserver_replicas < 1:
            raise ValueError("apiserver_replicas must be at least 1")


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
    host = url.hostname
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


def agent_rbac(member: str) -> list[dict]:
    """The RBAC `karmadactl register` creates on the Karmada API server for a Pull member's agent (Karmada
    v1.18 `GenerateAgentRBACResources`): its own Cluster object and status, its cluster Secret in
    `karmada-cluster`, the Works in its execution space, plus leases, events and reads it needs."""
    user = {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": AGENT_USER_PREFIX + member}
    base = f"system:karmada:{member}:agent"
    es = EXECUTION_SPACE_PREFIX + member
    cluster_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": base},
        "rules": [
            {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "resourceNames": [member],
             "verbs": ["get", "delete"]},
            {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "verbs": ["create", "list", "watch"]},
            {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters/status"], "resourceNames": [member],
             "verbs": ["update"]},
            {"apiGroups": ["config.karmada.io"],
             "resources": ["resourceinterpreterwebhookconfigurations", "resourceinterpretercustomizations"],
             "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
            {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
            {"apiGroups": ["certificates.k8s.io"], "resources": ["certificatesigningrequests"],
             "verbs": ["get", "create"]},
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
            self._agents[member] = self._signed(f"agent-{member}", self.ca, common_name=AGENT_USER_PREFIX + member,
                                                organization=AGENT_GROUP, uses=CLIENT_USES)
            self.agent_rbac[member] = self._agent_rbac(member, on_karmada)

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

    def all_agent_credentials(self) -> pulumi.Output[dict]:
        """{member: {"crt": PEM, "key": PEM}} for every Pull member, one secret Output (the shape the public
        stacks read from the private stack's `karmadaAgentCredentials` export)."""
        return pulumi.Output.secret({member: {"crt": cert.cert_pem, "key": cert.key_pem}
                                     for member, cert in self._agents.items()})

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
                organization: Optional[str] = None, dns_names=None, ip_addresses=None) -> _Certificate:
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
            early_renewal_hours=self._args.renew_before_hours,
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
            "apiServer": {"replicaCount": args.apiserver_replicas, "serviceType": args.service_type},
            "controllerManager": {"featureGates": {"PropagateDeps": True}},
        }
        for component in KARMADA_IMAGE_VALUES:
            values.setdefault(component, {})["image"] = {"tag": KARMADA_VERSION}
        # Requests and limits for every control-plane pod (the chart sets none, or requests only).
        for component, resources in COMPONENT_RESOURCES.items():
            values.setdefault(component, {})["resources"] = resources
        values["etcd"] = {"internal": {"resources": ETCD_RESOURCES}}
        # The chart's job images default to `latest`.
        values["kubectl"] = {"image": {"tag": KARMADA_KUBECTL_TAG}}
        values["cfssl"] = {"image": {"tag": KARMADA_CFSSL_TAG}}
        if args.etcd_storage_class:
            values["etcd"]["internal"].update({"storageType": "pvc", "pvc": {"storageClass": args.etcd_storage_class,
                                                                              "size": args.etcd_storage_size}})
        if args.image_registry:
            values["global"] = {"imageRegistry": args.image_registry}
        return _deep_merge(values, args.values)

    def _agent_rbac(self, member: str, on_karmada: pulumi.ResourceOptions) -> list[pulumi.CustomResource]:
        created: list[pulumi.CustomResource] = []
        execution_space = None
        for obj in agent_rbac(member):
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


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
