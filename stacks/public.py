"""A public stack: one EKS member of the hybrid platform, joining the private stack's Karmada in Pull mode.

This stack's file is the one declaration of the member's region and node groups. The private stack reads it too
(its `platform:members` names this stack), plans against it and checks, before any resource exists, that these
node groups hold what it will send here (`check_member_requirements`).

Reads from the private stack (a StackReference named by `platform:privateStack`):
- `memberContracts` {memberName: contract}: this member's `MemberContract` (components/karmada/contract.py; read
  back by its `from_output`): the model namespace, the models it may run with the storage URIs they read (for
  the IAM role), and the fingerprint of this stack's file the plan was made against. A contract planned against
  another version of this file (node groups or region changed since the private stack last ran) fails the run
  before any GPU node group is created, and the Karmada agent is not installed: re-run the private stack;
- `karmadaApiEndpoint` (plain), `karmadaCaCrt` (secret) and `karmadaAgentCredentials-<memberName>` (secret, {crt,
  key}: this member's only): the agent's way in. They stay secret Outputs all the way into the agent's Helm values;
- `meshCaCerts-<memberName>` (secret): this member's intermediate CA for Istio's `cacerts` (components/mesh/ca.py).

With `platform:eks: endpointPublicAccess: false` (the default) `pulumi up` must run inside the VPC (or a network
joined to it): the Kubernetes resources go through the private API endpoint. `platform:eks: adminRoleArns` gives
the deploy/CI roles cluster-admin access entries (mode `create`).

Exports: `memberName`, `region`, `clusterName`, `meshReader` (secret: the API server, its CA and the
istio-reader token the private istiod watches this cluster with; the private stack's next run reads it) and
`batchEndpoints` ({model: URL} for the batch models this member may run).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import pulumi

from components.aws.cluster_addons import ClusterAddons, ClusterAddonsArgs, NodeGroupRef
from components.aws.eks_cluster import InferenceEksCluster, InferenceEksClusterArgs, SystemNodeGroupArgs
from components.aws.gpu_node_group import GpuNodeGroup, GpuNodeGroupArgs
from components.aws.model_reader_role import ModelReaderRole, ModelReaderRoleArgs
from components.karmada.agent import KarmadaAgent, KarmadaAgentArgs
from components.karmada.control_plane import agent_credentials_output
from components.kserve.inference_service import cluster_host
from components.kserve.platform import KServePlatform, KServePlatformArgs
from components.mesh.ca import CACERTS_KEYS, mesh_ca_output
from components.mesh.east_west import EastWestGateway, EastWestGatewayArgs
from components.mesh.identity import MeshIdentity
from components.mesh.istio_system import IstioSystem, IstioSystemArgs
from components.mesh.remote_secret import MESH_READER_OUTPUT, IstioReaderToken, IstioReaderTokenArgs
from components.namespace import InferenceNamespace, InferenceNamespaceArgs
from components.security.mesh_authorization import MeshAuthorization, MeshAuthorizationArgs
from components.security.model_network import ModelNetworkArgs, ModelNetworkPolicies
from components.security.serving_entry_network import ServingEntryArgs, ServingEntryPolicies
from components.storage import ModelReader, ModelReaderArgs
from models.deployment import DeploymentMode
from models.errors import ConfigError
from components.karmada.contract import MemberContract
from components.karmada.pull_member import PULL_CLUSTERS_OUTPUT, REGISTRATION_OUTPUT
from models.spec import WorkloadClass
from stacks.public_config import ClusterMode, PublicStackConfig, plan_fingerprint, read_public_config
from stacks.run_errors import reported

def run(values: Mapping[str, object]) -> None:
    cfg = read_public_config(values, pulumi.Config("aws").get("region"))  # file checks before any resource exists
    build(cfg)


def _agent_credentials(cfg: PublicStackConfig, entry: Any) -> dict:
    """This member's {crt, key} from the private stack's secret output; errors never print the secret values."""
    output = agent_credentials_output(cfg.member_name)
    if entry is None:
        raise ConfigError("platform", "memberName", cfg.member_name, f"a member the private stack issued agent "
                          f"credentials for (it exports none as {output}; it does from phase 'hybrid' for each "
                          "member under platform:members)")
    if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k] for k in ("crt", "key")):
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise ConfigError(f"{cfg.private_stack} output {output}", "keys", keys,
                          "non-empty PEM strings 'crt' and 'key'")
    return entry


def _pem(cfg: PublicStackConfig, name: str, value: Any) -> str:
    if not isinstance(value, str) or "-----BEGIN CERTIFICATE-----" not in value:
        raise ConfigError(f"{cfg.private_stack} output {name}", name, type(value).__name__, "a PEM certificate")
    return value


def _endpoint(cfg: PublicStackConfig, value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https://[^/\s]+", value):
        raise ConfigError(f"{cfg.private_stack} output karmadaApiEndpoint", "karmadaApiEndpoint", value,
                          "the Karmada API server's https:// URL, reachable from this member (outbound only)")
    return value


def _cacerts(cfg: PublicStackConfig, entry: Any) -> dict:
    """This member's `cacerts` contents from the private stack's secret output (values never printed)."""
    output = mesh_ca_output(cfg.member_name)
    if not isinstance(entry, dict) or set(entry) != set(CACERTS_KEYS) or not all(
            isinstance(entry[k], str) and "-----BEGIN" in entry[k] for k in CACERTS_KEYS):
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise ConfigError(f"{cfg.private_stack} output {output}", "keys", keys,
                          "PEM strings " + ", ".join(CACERTS_KEYS) + " (the private stack exports them from phase "
                          "'hybrid' for each member under platform:members)")
    return entry


def batch_endpoints(contract: MemberContract) -> dict[str, str]:
    """{model: URL} for the batch models this member may run: the hostname KServe answers for in the member's
    model namespace, `http://<model>.<namespace>.svc.cluster.local` (the same name clients use on the private
    cluster), for callers inside the member's cluster (a batch job here, or a pod in a namespace labelled
    `inference-platform.io/clients=true`)."""
    return {m.model: f"http://{cluster_host(m.model, contract.namespace)}" for m in contract.models
            if m.workload_class is WorkloadClass.BATCH}


def member_contract(cfg: PublicStackConfig, contracts: Any) -> MemberContract:
    """This member's contract from the private stack's `memberContracts` output, planned against this very file."""
    where = f"{cfg.private_stack} output memberContracts"
    if not isinstance(contracts, dict) or cfg.member_name not in contracts:
        known = sorted(contracts) if isinstance(contracts, dict) else type(contracts).__name__
        raise ConfigError("platform", "memberName", cfg.member_name, "a member the private stack plans for (its "
                          f"platform:members names this stack); it plans for: {known}")
    contract = MemberContract.from_output(contracts[cfg.member_name], f"{where}.{cfg.member_name}")
    if contract.planned_against != plan_fingerprint(cfg):
        raise ConfigError(f"{where}.{cfg.member_name}", "plannedAgainst", contract.planned_against,
                          f"{plan_fingerprint(cfg)!r}, this file's region and node groups: the private stack "
                          "planned against another version of this file; run its `pulumi up` first")
    return contract


def build(cfg: PublicStackConfig) -> None:
    private = pulumi.StackReference("private-stack", stack_name=cfg.private_stack)

    eks_cfg = cfg.eks
    system = eks_cfg.system_nodes
    eks = InferenceEksCluster(cfg.member_name, InferenceEksClusterArgs(
        cluster_name=eks_cfg.cluster_name,
        region=cfg.region,
        subnet_ids=eks_cfg.subnet_ids,
        create=eks_cfg.mode is ClusterMode.CREATE,
        version=eks_cfg.version,
        endpoint_private_access=eks_cfg.endpoint_private_access,
        endpoint_public_access=eks_cfg.endpoint_public_access,
        public_access_cidrs=eks_cfg.public_access_cidrs,
        oidc_provider_arn=eks_cfg.oidc_provider_arn,
        system_node_group=SystemNodeGroupArgs(instance_types=system.instance_types, min_size=system.min_size,
                                              max_size=system.max_size) if system.enabled else None,
        admin_role_arns=eks_cfg.admin_role_arns,
        tags={"inference-platform.io/member": cfg.member_name},
    ))

    # The private stack's plan for this member, checked to be made against this file as soon as it arrives. The
    # GPU node groups and the agent take inputs derived from it: a stale plan stops the run before any GPU node
    # group is created and this member does not join Karmada.
    contract = private.get_output("memberContracts").apply(reported(lambda v: member_contract(cfg, v)))
    # What this member's models read (mirrors already applied by the private stack), for its IAM role.
    storage_uris = contract.apply(lambda c: sorted({uri for m in c.models for uri in m.storage_uris}))
    model_namespace = contract.apply(lambda c: c.namespace)
    checked_cluster_name = pulumi.Output.all(eks.name, contract).apply(lambda v: v[0])

    for g in cfg.gpu_node_groups:
        ng_name = cfg.node_group_name(g)
        GpuNodeGroup(ng_name, GpuNodeGroupArgs(
            cluster_name=checked_cluster_name, node_role_arn=eks.node_role_arn, subnet_ids=list(eks_cfg.subnet_ids),
            gpu_type=g.gpu_type, capacity=g.capacity, gpu_count=g.gpu_count, instance_types=g.instance_types,
            min_size=g.min_size, max_size=g.max_size, desired_size=g.desired_size, node_group_name=ng_name,
            tags={"inference-platform.io/member": cfg.member_name}))

    on_cluster = pulumi.ResourceOptions(provider=eks.provider)
    # This cluster in the mesh: its network label and its intermediate CA (from the private stack's root) exist
    # before istiod starts (components/mesh/istio_system.py).
    identity = MeshIdentity(cluster_name=cfg.member_name)
    cacerts = pulumi.Output.all(private.get_output(mesh_ca_output(cfg.member_name)), contract).apply(
        reported(lambda v: _cacerts(cfg, v[0])))  # after the contract: a member not planned for fails on that
    istio_system = IstioSystem(f"{cfg.member_name}-istio-system", IstioSystemArgs(identity=identity,
                                                                                 cacerts=cacerts),
                               opts=on_cluster)
    # What a member needs to run the InferenceServices Karmada sends it: KServe with Knative and Istio (the
    # runtimes themselves arrive through Karmada), and the model namespace (this stack owns the member's copy).
    kserve = KServePlatform(f"{cfg.member_name}-kserve", KServePlatformArgs(
        default_mode=DeploymentMode.KNATIVE, mesh=identity, istio_depends_on=tuple(istio_system.ready)),
        opts=on_cluster)
    # The private cluster's only way to the replicas here (mutual TLS end to end), and the read-only token the
    # private istiod watches this cluster with (exported; the private stack's next run writes its remote secret).
    EastWestGateway(f"{cfg.member_name}-east-west", EastWestGatewayArgs(
        identity=identity, source_ranges=cfg.mesh.east_west_source_ranges, istio_ready=(kserve.istiod,)),
        opts=on_cluster)
    reader_token = IstioReaderToken(f"{cfg.member_name}-istio-reader", IstioReaderTokenArgs(
        server=eks.endpoint, ca_data=eks.certificate_authority),
        opts=pulumi.ResourceOptions(provider=eks.provider, depends_on=[kserve.istio_base, kserve.istiod]))
    namespace = InferenceNamespace(f"{cfg.member_name}-models", InferenceNamespaceArgs(
        name=model_namespace, kserve_ingress_policy=True), opts=on_cluster)
    # Default deny with the egress model pods need (S3 and STS over 443, public addresses), who may reach the
    # gateway and the activator, and mTLS and authorization for sidecars (components/security/).
    ModelNetworkPolicies(f"{cfg.member_name}-models-network", ModelNetworkArgs(namespace=model_namespace, mesh=True),
                         opts=pulumi.ResourceOptions(provider=eks.provider, depends_on=[namespace]))
    ServingEntryPolicies(f"{cfg.member_name}-serving-entry", ServingEntryArgs(model_namespace=model_namespace),
                         opts=pulumi.ResourceOptions(provider=eks.provider, depends_on=kserve.ready))
    MeshAuthorization(f"{cfg.member_name}-models-mesh", MeshAuthorizationArgs(namespace=model_namespace),
                      opts=pulumi.ResourceOptions(provider=eks.provider, depends_on=[namespace, kserve.istio_base]))
    # Model pods read their artifacts as `model-reader`, through an IRSA role limited to those S3 locations.
    reader_role = ModelReaderRole(f"{cfg.member_name}-model-reader-iam", ModelReaderRoleArgs(
        role_name=f"{eks_cfg.cluster_name}-model-reader", region=cfg.region,
        namespace=model_namespace, storage_uris=storage_uris,
        oidc_provider_arn=eks.oidc_provider_arn,
        oidc_issuer=eks.oidc_issuer, tags={"inference-platform.io/member": cfg.member_name}))
    reader = ModelReader(f"{cfg.member_name}-model-reader", ModelReaderArgs(
        namespace=namespace.name, role_arn=reader_role.role_arn),
        opts=pulumi.ResourceOptions(provider=eks.provider, depends_on=[namespace]))
    ClusterAddons(f"{cfg.member_name}-addons", ClusterAddonsArgs(
        cluster_name=eks_cfg.cluster_name, region=cfg.region, autoscaler_role_arn=eks.autoscaler_role_arn,
        node_groups=tuple(NodeGroupRef(name=cfg.node_group_name(g), capacity=g.capacity)
                          for g in cfg.gpu_node_groups)), opts=on_cluster)

    # Only this member's output is read. (A StackReference still records every output of the private stack in
    # this stack's state: pulumi 3.272.0 `pulumi/stack_reference.py` makes `outputs` a resource output; see the
    # README's security section for what that means.)
    credentials = pulumi.Output.all(private.get_output(agent_credentials_output(cfg.member_name)), contract).apply(
        reported(lambda v: _agent_credentials(cfg, v[0])))
    # The private stack makes this member's Karmada Cluster from the ID the agent exports here; the agent runs once
    # that Cluster carries it (components/karmada/pull_member.py).
    agent = KarmadaAgent(f"{cfg.member_name}-karmada-agent", KarmadaAgentArgs(
        cluster_name=contract.apply(lambda _: cfg.member_name),
        cluster_endpoint=eks.endpoint,
        karmada_server=private.get_output("karmadaApiEndpoint").apply(reported(lambda v: _endpoint(cfg, v))),
        ca_crt=private.get_output("karmadaCaCrt").apply(reported(lambda v: _pem(cfg, "karmadaCaCrt", v))),
        crt=credentials.apply(lambda c: c["crt"]),
        key=credentials.apply(lambda c: c["key"]),
        **({} if system.enabled else {"node_selector": {}}),  # no system group: only the GPU exclusion holds
        registrations=private.get_output(PULL_CLUSTERS_OUTPUT),
    ), opts=pulumi.ResourceOptions(provider=eks.provider, depends_on=[kserve, namespace, reader]))

    pulumi.export("memberName", cfg.member_name)
    pulumi.export("region", cfg.region)
    pulumi.export("clusterName", eks_cfg.cluster_name)
    pulumi.export(MESH_READER_OUTPUT, reader_token.reader)
    pulumi.export(REGISTRATION_OUTPUT, agent.registration)
    pulumi.export("karmadaAgent", agent.running.apply(
        lambda r: "running" if r else f"no replica until the private stack has made Cluster {cfg.member_name!r} "
        "with this cluster's registration: run its `pulumi up`, then this stack's again"))
    pulumi.export("batchEndpoints", contract.apply(batch_endpoints))
