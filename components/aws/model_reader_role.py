"""The IAM role model pods on an EKS member read their artifacts with (IRSA), allowed exactly the S3 buckets the
models placed on this member read: objects (`s3:GetObject`) and listing (`s3:ListBucket`, which the storage
initializer needs to copy a prefix), nothing else, and assumable only by the namespace's `model-reader` account."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_aws as aws

from components.aws.eks_cluster import irsa_trust_policy, partition_of
from components.options import child_options
from components.storage import MODEL_READER


def s3_buckets(uris: Sequence[str]) -> list[str]:
    """The distinct buckets of the `s3://bucket/key` URIs among `uris`, sorted (other schemes need no role)."""
    return sorted({uri.split("://", 1)[1].split("/", 1)[0] for uri in uris if uri.startswith("s3://")})


NOTHING_TO_READ = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "NothingToRead", "Effect": "Deny", "Action": ["s3:*"], "Resource": "*"}]})


def model_reader_policy(partition: str, buckets: Sequence[str]) -> str:
    """Read-only access to `buckets` (at least one)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ListModelBuckets", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": [f"arn:{partition}:s3:::{b}" for b in buckets]},
        {"Sid": "ReadModelObjects", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": [f"arn:{partition}:s3:::{b}/*" for b in buckets]},
    ]})


@dataclass(frozen=True)
class ModelReaderRoleArgs:
    """`role_name`: the IAM role's name. `region`: the member's region (for the ARN partition). `buckets`: what
    the member's models read (may arrive with the private stack's outputs); with none, the policy denies all of
    S3. `namespace`: where `model-reader` lives. `oidc_provider_arn` / `oidc_issuer`: the cluster's IRSA identity
    provider."""

    role_name: str
    region: str
    namespace: pulumi.Input[str]
    buckets: pulumi.Input[Sequence[str]]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    tags: Optional[dict] = None


class ModelReaderRole(pulumi.ComponentResource):
    """`role` (exposed as `role_arn`, which resolves once its policy is in place) and its inline read policy."""

    role: aws.iam.Role

    def __init__(self, name: str, args: ModelReaderRoleArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:aws:ModelReaderRole", name, None, opts)
        child = child_options(self, opts)
        self.role = aws.iam.Role(
            f"{name}-role", name=args.role_name,
            assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer, args.namespace).apply(
                lambda v: irsa_trust_policy(v[0], v[1], v[2], MODEL_READER)),
            tags=args.tags, opts=child)
        partition, _ = partition_of(args.region)
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy", name="read-model-artifacts", role=self.role.name,
            policy=pulumi.Output.from_input(args.buckets).apply(
                lambda b: model_reader_policy(partition, b) if b else NOTHING_TO_READ),
            opts=child)
        self.role_arn = pulumi.Output.all(self.role.arn, self.policy.id).apply(lambda v: v[0])
        self.register_outputs({"roleArn": self.role_arn})
