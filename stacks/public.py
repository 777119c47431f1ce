"""A public stack: one EKS member of the hybrid platform, joining the private stack's Karmada in Pull mode.

Reads from the private stack (a StackReference named by `platform:privateStack`):
- `memberRequirements` {memberName: [{model, gpuType, gpuCount, needsSpot, tolerations, cpu, memory}]}: what this
  member must host; checked against this stack's node groups as soon as it arrives (`check_member_requirements`:
  GPU type and count, Spot, tolerations, and a replica's cpu/memory requests against the first instance type of the
  group, less the node reserve). A model that fits nowhere fails the run with a ConfigError before any GPU node
  group is created, and the Karmada agent is not installed;
- `karmadaApiEndpoint` (plain), `karmadaCaCrt` (secret) and `karmadaAgentCredentials` (secret, {memberName: {crt,
  key}}): the agent's way in. They stay secret Outputs all the way into the agent's Helm values.

With `platform:eks: endpointPublicAccess: false` (the default) `pulumi up` must run inside the VPC (or a network
joined to it): the Kubernetes resources go through the private API endpoint. `platform:eks: adminRoleArns` gives
the deploy/CI roles cluster-admin access entries (mode `create`).

Exports for the private stack's benefit: `memberName`, `region`, `clusterName`, `gpuNodeGroups` (what each node
group offers) and `modelPlacements` (model → node groups it can land on).
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
from components.kserve.platform import KServePlatform, KServePlatformArgs
from components.namespace import InferenceNamespace, InferenceNamespaceArgs
from components.storage import ModelReader, ModelReaderArgs
from models.deployment import DeploymentMode
from models.errors import ConfigError
from stacks.public_config import (ClusterMode, PublicStackConfig, check_member_location,
                                  check_member_requirements, read_public_config)
from stacks.run_errors import reported

def run(values: Mapping[str, object]) -> None:
    cfg = read_public_config(values, pulumi.Config("aws").get("region"))  # file checks before any resource exists
    build(cfg)


def _agent_credentials(cfg: PublicStackConfig, credentials: Any) -> dict:
    """This member's {crt, key} from the private stack's secret output; errors never print the secret values."""
    where = f"{cfg.private_stack} output karmadaAgentCredentials"
    if not isinstance(credentials, dict):
        raise ConfigError(where, "karmadaAgentCredentials", type(credentials).__name__,
                          "a mapping {memberName: {crt, key}} (the private stack exports it from phase 'hybrid')")
    if cfg.member_name not in credentials:
        raise ConfigError("platform", "memberName", cfg.member_name, "a member the private stack issued agent "
                          "credentials for; it issued: " + (", ".join(sorted(credentials)) or "none"))
    entry = credentials[cfg.member_name]
    if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k] for k in ("crt", "key")):
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise ConfigError(f"{where}.{cfg.member_name}", "keys", keys, "non-empty PEM strings 'crt' and 'key'")
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

    # What the private stack says this member must host, checked against the configured node groups as soon as
    # its outputs arrive. The GPU node groups and the agent take inputs derived from the result: if a model fits
    # nowhere, the run fails before any GPU node group is created and this member does not join Karmada.
    requirements = private.get_output("memberRequirements")
    placements = pulumi.Output.all(requirements, private.get_output("members")).apply(reported(lambda v: (
        check_member_location(cfg, v[1], cfg.private_stack),
        check_member_requirements(cfg, v[0], cfg.private_stack))[1]))
    # What this member's models read (mirrors already applied by the private stack), for its IAM role.
    storage_uris = pulumi.Output.all(requirements, placements).apply(lambda v: sorted(
        {uri for entry in v[0][cfg.member_name] for uri in entry.get("storageUris") or []}))
    checked_cluster_name = pulumi.Output.all(eks.name, placements).apply(lambda v: v[0])

    groups = []
    for g in cfg.gpu_node_groups:
        ng_name = cfg.node_group_name(g)
        groups.append(GpuNodeGroup(ng_name, GpuNodeGroupArgs(
            cluster_name=checked_cluster_name, node_role_arn=eks.node_role_arn, subnet_ids=list(eks_cfg.subnet_ids),
            gpu_type=g.gpu_type, capacity=g.capacity, gpu_count=g.gpu_count, instance_types=g.instance_types,
            min_size=g.min_size, max_size=g.max_size, desired_size=g.desired_size, node_group_name=ng_name,
            tags={"inference-platform.io/member": cfg.member_name})))

    on_cluster = pulumi.ResourceOptions(provider=eks.provider)
    # What a member needs to run the InferenceServices Karmada sends it: KServe with Knative and Istio (the
    # runtimes themselves arrive through Karmada), and the model namespace (this stack owns the member's copy).
    kserve = KServePlatform(f"{cfg.member_name}-kserve", KServePlatformArgs(default_mode=DeploymentMode.KNATIVE),
                            opts=on_cluster)
    namespace = InferenceNamespace(f"{cfg.member_name}-models", InferenceNamespaceArgs(
        name=private.get_output("modelNamespace"), kserve_ingress_policy=True), opts=on_cluster)
    # Model pods read their artifacts as `model-reader`, through an IRSA role limited to those S3 locations.
    reader_role = ModelReaderRole(f"{cfg.member_name}-model-reader-iam", ModelReaderRoleArgs(
        role_name=f"{eks_cfg.cluster_name}-model-reader", region=cfg.region,
        namespace=private.get_output("modelNamespace"), storage_uris=storage_uris,
        oidc_provider_arn=eks.oidc_provider_arn,
        oidc_issuer=eks.oidc_issuer, tags={"inference-platform.io/member": cfg.member_name}))
    reader = ModelReader(f"{cfg.member_name}-model-reader", ModelReaderArgs(
        namespace=namespace.name, role_arn=reader_role.role_arn),
        opts=pulumi.ResourceOptions(provider=eks.provider, depends_on=[namespace]))
    ClusterAddons(f"{cfg.member_name}-addons", ClusterAddonsArgs(
        cluster_name=eks_cfg.cluster_name, region=cfg.region, autoscaler_role_arn=eks.autoscaler_role_arn,
        node_groups=tuple(NodeGroupRef(name=cfg.node_group_name(g), capacity=g.capacity)
                          for g in cfg.gpu_node_groups)), opts=on_cluster)

    credentials = pulumi.Output.all(private.get_output("karmadaAgentCredentials"), placements).apply(
        reported(lambda v: _agent_credentials(cfg, v[0])))
    KarmadaAgent(f"{cfg.member_name}-karmada-agent", KarmadaAgentArgs(
        cluster_name=placements.apply(lambda _: cfg.member_name),
        cluster_endpoint=eks.endpoint,
        karmada_server=private.get_output("karmadaApiEndpoint").apply(reported(lambda v: _endpoint(cfg, v))),
        ca_crt=private.get_output("karmadaCaCrt").apply(reported(lambda v: _pem(cfg, "karmadaCaCrt", v))),
        crt=credentials.apply(lambda c: c["crt"]),
        key=credentials.apply(lambda c: c["key"]),
    ), opts=pulumi.ResourceOptions(provider=eks.provider, depends_on=[kserve, namespace, reader]))

    pulumi.export("memberName", cfg.member_name)
    pulumi.export("region", cfg.region)
    pulumi.export("clusterName", eks_cfg.cluster_name)
    pulumi.export("gpuNodeGroups", [grp.summary() for grp in groups])
    pulumi.export("modelPlacements", placements)
