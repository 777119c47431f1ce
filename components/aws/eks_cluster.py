"""The EKS cluster of a public member, its least-privilege IAM, and a Kubernetes provider that targets it.

Children (named `<component name>-<part>`; the Kubernetes provider carries the component's own name, so a render
lists the member's objects under the member's name):
- the cluster: created (`aws.eks.Cluster`, with a cluster role holding only `AmazonEKSClusterPolicy`), or an existing
  one adopted by name (`aws.eks.Cluster.get`: read, never modified or deleted by this stack);
- the node role: exactly `AmazonEKSWorkerNodePolicy`, `AmazonEC2ContainerRegistryReadOnly` and
  `AmazonEKS_CNI_Policy`, nothing else. The CNI policy sits on the node role (not IRSA for `aws-node`) so adopted
  clusters, whose `vpc-cni` add-on this stack does not own, work the same way;
- the cluster's IAM OIDC provider (for IRSA), unless an existing cluster already has one (`oidc_provider_arn`);
- the cluster autoscaler's IRSA role, assumable only by `kube-system/cluster-autoscaler` of this cluster, allowed to
  change only Auto Scaling groups tagged `k8s.io/cluster-autoscaler/<cluster>=owned` and
  `k8s.io/cluster-autoscaler/enabled=true`, and to describe only this cluster's node groups (the Describe* calls it
  needs on ASGs and EC2 have no resource-level permissions);
- an On-Demand system node group (untainted, for CoreDNS, the autoscaler and the Karmada agent), unless disabled.
  It is named `system-<unique suffix>` (`node_group_name_prefix`): its instance types, AMI type, subnets and node
  role force replacement, and a fixed name would make Pulumi's create-before-delete collide with the old group
  (node group names are unique per cluster, so the prefix needs no cluster name);
- for a created cluster, one EKS access entry per `admin_role_arns` ARN (a deploy or CI role) with
  `AmazonEKSClusterAdminPolicy` associated at cluster scope. The identity that creates the cluster gets no admin
  of its own (`bootstrap_cluster_creator_admin_permissions` false): whoever runs `pulumi up` must be one of
  `admin_role_arns` (the Kubernetes provider waits for those entries);
- for a created cluster, the `vpc-cni` add-on with `enableNetworkPolicy`, so NetworkPolicies are enforced;
- both node groups start from a launch template with IMDSv2 required and hop limit 1
  (components/aws/launch_template.py);
- `provider`: a `kubernetes.Provider` whose kubeconfig (a secret Output) authenticates with `aws eks get-token`;
  it waits for the system node group, so nothing is installed before there are nodes to run it.

Behaviour: the API endpoint is private only unless `endpoint_public_access` (then only from `public_access_cidrs`).
With the private endpoint only, `pulumi up` (whose Kubernetes provider talks to the API server: add-ons, KServe,
the Karmada agent) must run where the endpoint resolves and routes: inside the VPC, or a network joined to it
(peering, Transit Gateway, VPN, Direct Connect) with the VPC's DNS; elsewhere it times out on the first Kubernetes
resource. Access entries (`API` authentication mode): `admin_role_arns` as cluster admin, and nobody
else; control-plane api, audit and authenticator logs on. Every policy document is built from Python
dicts (`json.dumps`), never by string templating, so values computed by AWS stay Outputs until they are known.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.launch_template import node_group_launch_template, node_launch_template
from components.options import child_options
from components.versions import EKS_KUBERNETES_VERSION

CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
CLUSTER_ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy"
SYSTEM_NODE_GROUP_PREFIX = "system-"
IAM_ROLE_ARN = r"^arn:aws[a-z-]*:iam::(\d{12}):role/((?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64})$"
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy")
AUTOSCALER_NAMESPACE = "kube-system"
AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
SYSTEM_AMI_TYPE = "AL2023_x86_64_STANDARD"
SYSTEM_NODE_LABEL = "inference-platform.io/node-role"
SYSTEM_NODE_ROLE = "system"
SYSTEM_DISK_GIB = 50
VPC_CNI_CONFIGURATION = {"enableNetworkPolicy": "true"}
# Read-only calls the autoscaler makes; AWS offers no resource-level permissions for them.
AUTOSCALER_DESCRIBE_ACTIONS = (
    "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags",
    "ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
)
AUTOSCALER_SCALE_ACTIONS = ("autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup")


def partition_of(region: str) -> tuple[str, str]:
    """(ARN partition, service DNS suffix) of a region; known offline, so no invoke is needed."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


def managed_policy_arn(partition: str, policy: str) -> str:
    return f"arn:{partition}:iam::aws:policy/{policy}"


def assume_role_policy(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def irsa_trust_policy(oidc_provider_arn: str, issuer_url: str, namespace: str, service_account: str) -> str:
    """Only `namespace/service_account` of the cluster behind `issuer_url`, and only for STS, may assume the role."""
    issuer = issuer_url.removeprefix("https://")
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": oidc_provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                                       f"{issuer}:aud": "sts.amazonaws.com"}},
    }]})


def autoscaler_policy(cluster_name: str, cluster_arn: str) -> str:
    """Scale and terminate only this cluster's tagged ASGs; describe only this cluster's node groups."""
    nodegroups = cluster_arn.split(":cluster/", 1)[0] + f":nodegroup/{cluster_name}/*/*"
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ScaleOwnedGroups", "Effect": "Allow", "Action": list(AUTOSCALER_SCALE_ACTIONS), "Resource": "*",
         "Condition": {"StringEquals": {
             f"autoscaling:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned",
             "autoscaling:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true"}}},
        {"Sid": "Discover", "Effect": "Allow", "Action": list(AUTOSCALER_DESCRIBE_ACTIONS), "Resource": "*"},
        {"Sid": "DescribeOwnNodegroups", "Effect": "Allow", "Action": ["eks:DescribeNodegroup"],
         "Resource": nodegroups},
    ]})


def access_policy_arn(partition: str, policy: str) -> str:
    return f"arn:{partition}:eks::aws:cluster-access-policy/{policy}"


def role_slug(role_arn: str) -> str:
    """A logical-name suffix for one IAM role ARN: account and role path/name, lower-cased, dashes only, and 8 hex
    digits of the ARN's hash, so ARNs that read alike once flattened (`role/ci_deploy`, `role/ci/deploy`) stay
    distinct resources."""
    match = re.match(IAM_ROLE_ARN, role_arn)
    if not match:
        raise ValueError(f"{role_arn!r}: expected an IAM role ARN like 'arn:aws:iam::123456789012:role/deploy'")
    readable = "".join(c if c.isalnum() else "-" for c in f"{match.group(1)}-{match.group(2)}".lower())
    return f"{readable}-{hashlib.sha256(role_arn.encode()).hexdigest()[:8]}"


def kubeconfig(cluster_name: str, endpoint: str, ca_data: str, region: str) -> str:
    """A kubeconfig that asks `aws eks get-token` for a short-lived token on every use (no stored credentials)."""
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": cluster_name,
        "clusters": [{"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "users": [{"name": cluster_name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, "--output", "json"],
            "interactiveMode": "Never"}}}],
    })


@dataclass(frozen=True)
class SystemNodeGroupArgs:
    """The untainted On-Demand group for cluster services (no GPU workload can land there: they select GPU nodes)."""

    instance_types: tuple[str, ...] = ("m6i.large", "m6a.large", "m5.large")
    min_size: int = 2
    max_size: int = 4


@dataclass(frozen=True)
class InferenceEksClusterArgs:
    """The EKS cluster `cluster_name` in `region`: created with Kubernetes `version` in `subnet_ids` when `create`,
    otherwise adopted as it is. The API endpoint is private unless `endpoint_public_access`, which then needs
    `public_access_cidrs`. `oidc_provider_arn` names an existing IAM OIDC provider (adopted clusters that have one;
    AWS allows one per issuer), else one is created. `system_node_group=None` skips the system group.
    `admin_role_arns`: IAM roles (deploy, CI) given cluster-admin access entries; only for a created cluster.
    `protect` (default on): a created cluster is `protect`ed, so no update deletes or replaces it (and with it
    every member workload); remove it deliberately with `pulumi state unprotect <urn>` first."""

    cluster_name: str
    region: str
    subnet_ids: tuple[str, ...] = ()
    create: bool = True
    version: str = EKS_KUBERNETES_VERSION
    endpoint_private_access: bool = True
    endpoint_public_access: bool = False
    public_access_cidrs: tuple[str, ...] = ()
    oidc_provider_arn: Optional[str] = None
    system_node_group: Optional[SystemNodeGroupArgs] = field(default_factory=SystemNodeGroupArgs)
    admin_role_arns: tuple[str, ...] = ()
    tags: Optional[Mapping[str, str]] = None
    protect: bool = True


class InferenceEksCluster(pulumi.ComponentResource):
    """An EKS cluster (created or adopted) with least-privilege IAM, IRSA, and a Kubernetes provider for it."""

    provider: k8s.Provider

    def __init__(self, name: str, args: InferenceEksClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:aws:InferenceEksCluster", name, None, opts)
        if args.create and not args.subnet_ids:
            raise ValueError(f"InferenceEksCluster {name}: subnet_ids: expected at least one subnet to create a "
                             "cluster")
        if args.endpoint_public_access and not args.public_access_cidrs:
            raise ValueError(f"InferenceEksCluster {name}: public_access_cidrs: expected CIDRs when the public "
                             "endpoint is on")
        if not (args.endpoint_private_access or args.endpoint_public_access):
            raise ValueError(f"InferenceEksCluster {name}: expected the private or the public endpoint (or both)")
        if args.admin_role_arns and not args.create:
            raise ValueError(f"InferenceEksCluster {name}: admin_role_arns: expected none for an adopted cluster "
                             "(its access entries are managed where it was created)")
        if len(set(args.admin_role_arns)) != len(args.admin_role_arns):
            raise ValueError(f"InferenceEksCluster {name}: admin_role_arns: expected distinct ARNs")
        slugs = [role_slug(arn) for arn in args.admin_role_arns]  # ValueError for anything but a role ARN
        child = child_options(self, opts)
        partition, dns_suffix = partition_of(args.region)
        tags = dict(args.tags or {})
        self.cluster_name = args.cluster_name

        if args.create:
            self.cluster_role = aws.iam.Role(
                f"{name}-cluster-role", name=f"{args.cluster_name}-eks-cluster",
                assume_role_policy=assume_role_policy("eks.amazonaws.com"), tags=tags, opts=child)
            cluster_attachments = [
                aws.iam.RolePolicyAttachment(
                    f"{name}-cluster-role-{policy}", role=self.cluster_role.name,
                    policy_arn=managed_policy_arn(partition, policy), opts=child)
                for policy in CLUSTER_POLICIES]
            self.cluster = aws.eks.Cluster(
                f"{name}-cluster",
                name=args.cluster_name,
                version=args.version,
                role_arn=self.cluster_role.arn,
                vpc_config=aws.eks.ClusterVpcConfigArgs(
                    subnet_ids=list(args.subnet_ids),
                    endpoint_private_access=args.endpoint_private_access,
                    endpoint_public_access=args.endpoint_public_access,
                    public_access_cidrs=list(args.public_access_cidrs) if args.endpoint_public_access else None),
                # No invisible admin: the identity that creates the cluster gets no access entry of its own;
                # cluster admins are exactly `admin_role_arns` (pulumi-aws 7.51.1 `eks/_inputs.py`
                # ClusterAccessConfigArgs: the default is true). Changing it on an existing cluster replaces it.
                access_config=aws.eks.ClusterAccessConfigArgs(authentication_mode="API",
                                                              bootstrap_cluster_creator_admin_permissions=False),
                enabled_cluster_log_types=["api", "audit", "authenticator"],
                tags=tags,
                opts=child_options(self, opts, *cluster_attachments, protect=args.protect),
            )
        else:
            self.cluster_role = None
            self.cluster = aws.eks.Cluster.get(f"{name}-cluster", id=args.cluster_name, opts=child)

        # NetworkPolicies are enforced on EKS only when the VPC CNI's network policy agent is on: the `vpc-cni`
        # add-on's `enableNetworkPolicy` (aws/amazon-vpc-cni-k8s v1.23.0 `charts/aws-vpc-cni/values.yaml`
        # `enableNetworkPolicy: "false"`, passed to aws-node as `--enable-network-policy`). Only for a created
        # cluster: an adopted cluster's add-ons belong to whoever made it (README: turn it on there).
        self.vpc_cni = None
        if args.create:
            self.vpc_cni = aws.eks.Addon(
                f"{name}-vpc-cni", cluster_name=self.cluster.name, addon_name="vpc-cni",
                configuration_values=json.dumps(VPC_CNI_CONFIGURATION),
                resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
                tags=tags, opts=child)

        # The configured name, carrying a dependency on the cluster: node groups built from it wait for the cluster.
        self.name = self.cluster.arn.apply(lambda _: args.cluster_name)
        self.endpoint = self.cluster.endpoint
        self.certificate_authority = self.cluster.certificate_authority.apply(lambda ca: ca.data)
        self.oidc_issuer = self.cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)

        self.node_role = aws.iam.Role(
            f"{name}-node-role", name=f"{args.cluster_name}-eks-node",
            assume_role_policy=assume_role_policy(f"ec2.{dns_suffix}"),
            tags=tags, opts=child)
        node_attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-role-{policy}", role=self.node_role.name,
                policy_arn=managed_policy_arn(partition, policy), opts=child)
            for policy in NODE_POLICIES]
        # The role ARN, available only once its policies are attached (nodes without them never join).
        self.node_role_arn = pulumi.Output.all(self.node_role.arn, *[a.id for a in node_attachments]).apply(
            lambda values: values[0])

        if args.oidc_provider_arn:
            self.oidc_provider = None
            self.oidc_provider_arn = pulumi.Output.from_input(args.oidc_provider_arn)
        else:
            self.oidc_provider = aws.iam.OpenIdConnectProvider(
                f"{name}-oidc", url=self.oidc_issuer, client_id_lists=["sts.amazonaws.com"], tags=tags, opts=child)
            self.oidc_provider_arn = self.oidc_provider.arn

        self.autoscaler_role = aws.iam.Role(
            f"{name}-autoscaler-role", name=f"{args.cluster_name}-cluster-autoscaler",
            assume_role_policy=pulumi.Output.all(self.oidc_provider_arn, self.oidc_issuer).apply(
                lambda v: irsa_trust_policy(v[0], v[1], AUTOSCALER_NAMESPACE, AUTOSCALER_SERVICE_ACCOUNT)),
            tags=tags, opts=child)
        self.autoscaler_policy = aws.iam.RolePolicy(
            f"{name}-autoscaler-policy", name="cluster-autoscaler", role=self.autoscaler_role.name,
            policy=self.cluster.arn.apply(lambda arn: autoscaler_policy(args.cluster_name, arn)), opts=child)
        self.autoscaler_role_arn = pulumi.Output.all(self.autoscaler_role.arn, self.autoscaler_policy.id).apply(
            lambda v: v[0])

        self.system_node_group = None
        if args.system_node_group is not None:
            sys_args = args.system_node_group
            self.system_launch_template = node_launch_template(f"{name}-system-launch-template",
                                                               disk_size_gib=SYSTEM_DISK_GIB, tags=tags, opts=child)
            self.system_node_group = aws.eks.NodeGroup(
                f"{name}-system-nodegroup",
                cluster_name=self.name,
                node_group_name_prefix=SYSTEM_NODE_GROUP_PREFIX,
                node_role_arn=self.node_role_arn,
                subnet_ids=list(args.subnet_ids),
                capacity_type="ON_DEMAND",
                ami_type=SYSTEM_AMI_TYPE,
                instance_types=list(sys_args.instance_types),
                launch_template=node_group_launch_template(self.system_launch_template),
                labels={SYSTEM_NODE_LABEL: SYSTEM_NODE_ROLE},
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=sys_args.min_size, max_size=sys_args.max_size, desired_size=sys_args.min_size),
                update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
                tags=tags,
                opts=child_options(self, opts, ignore_changes=["scalingConfig.desiredSize"]),
            )

        # Deploy/CI roles as cluster admins (EKS access entries; the cluster's authentication mode is API).
        self.admin_access = []
        for arn, slug in zip(args.admin_role_arns, slugs):
            entry = aws.eks.AccessEntry(
                f"{name}-access-{slug}", cluster_name=self.cluster.name, principal_arn=arn, type="STANDARD",
                tags=tags, opts=child)
            self.admin_access.append(aws.eks.AccessPolicyAssociation(
                f"{name}-access-{slug}-admin", cluster_name=self.cluster.name, principal_arn=entry.principal_arn,
                policy_arn=access_policy_arn(partition, CLUSTER_ADMIN_ACCESS_POLICY),
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"), opts=child))

        self.provider = k8s.Provider(
            name,
            kubeconfig=pulumi.Output.secret(pulumi.Output.all(self.endpoint, self.certificate_authority).apply(
                lambda v: kubeconfig(args.cluster_name, v[0], v[1], args.region))),
            enable_server_side_apply=True,
            # Nothing is installed before there are nodes to run it (Helm waits for readiness), nor before the
            # admin roles (possibly the one running this) have their access.
            opts=child_options(self, opts, *([self.system_node_group] if self.system_node_group else []),
                               *self.admin_access, *([self.vpc_cni] if self.vpc_cni else [])),
        )
        self.register_outputs({"name": self.name, "endpoint": self.endpoint, "oidcProviderArn": self.oidc_provider_arn,
                               "nodeRoleArn": self.node_role_arn, "autoscalerRoleArn": self.autoscaler_role_arn})
