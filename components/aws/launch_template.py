"""The EC2 launch template every managed node group of a public member starts its nodes from: IMDSv2 only, one hop.

Why: model code runs in pods on these nodes. With IMDSv1 allowed, or a PUT response hop limit above 1, a pod can
read the instance metadata service and obtain the node role's credentials (ECR pull, the CNI's ENI rights, the
worker node policy). `http_tokens = "required"` refuses IMDSv1, and `http_put_response_hop_limit = 1` keeps the
token's PUT response from crossing the extra hop into a pod's network namespace, so only host-network processes
(kubelet, the VPC CNI, kube-proxy) reach it. Pods that need
AWS use IRSA (the model reader's role), never the node's.

Read at pulumi-aws 7.51.1 (the pinned wheel, `pulumi_aws/ec2/_inputs.py` LaunchTemplateMetadataOptionsArgs): the
defaults are `http_tokens = "optional"` and hop limit 1, so both are written out.
The root volume moves into the template: EKS CreateNodegroup refuses `diskSize` together with a launch template
(AWS EKS API reference, CreateNodegroup `diskSize` and `launchTemplate`). The EKS-optimized AL2023 AMIs boot from
`/dev/xvda`.
"""
from __future__ import annotations

from typing import Mapping, Optional

import pulumi
import pulumi_aws as aws

IMDS_TOKENS = "required"
IMDS_HOP_LIMIT = 1
ROOT_DEVICE = "/dev/xvda"


def metadata_options() -> aws.ec2.LaunchTemplateMetadataOptionsArgs:
    return aws.ec2.LaunchTemplateMetadataOptionsArgs(http_endpoint="enabled", http_tokens=IMDS_TOKENS,
                                                     http_put_response_hop_limit=IMDS_HOP_LIMIT)


def node_launch_template(name: str, *, disk_size_gib: int, tags: Optional[Mapping[str, str]],
                         opts: pulumi.ResourceOptions) -> aws.ec2.LaunchTemplate:
    """A launch template for one node group (`name` is its logical name and the prefix of the AWS name)."""
    return aws.ec2.LaunchTemplate(
        name,
        name_prefix=f"{name}-"[:100],
        metadata_options=metadata_options(),
        block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
            device_name=ROOT_DEVICE,
            ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(volume_size=disk_size_gib, volume_type="gp3",
                                                                encrypted="true", delete_on_termination="true"))],
        tags=dict(tags or {}),
        update_default_version=True,
        opts=opts,
    )


def node_group_launch_template(template: aws.ec2.LaunchTemplate) -> aws.eks.NodeGroupLaunchTemplateArgs:
    """The node group's reference to the template, by id and its latest version (a change rolls the nodes)."""
    return aws.eks.NodeGroupLaunchTemplateArgs(id=template.id,
                                               version=template.latest_version.apply(lambda v: str(v)))
