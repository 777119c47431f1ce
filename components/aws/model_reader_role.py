"""The IAM role model pods on an EKS member read their artifacts with (IRSA): allowed exactly the S3 locations the
models placed on this member read — objects under each model's prefix (`s3:GetObject`) and listing limited to
that prefix (`s3:ListBucket`, which the storage initializer needs to copy a prefix) — nothing else, and assumable
only by the namespace's `model-reader` account."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_aws as aws

from components.aws.eks_cluster import irsa_trust_policy, partition_of
from components.options import child_options
from components.storage import MODEL_READER


def s3_locations(uris: Sequence[str]) -> dict[str, list[str]]:
    """{bucket: sorted distinct key prefixes} of the `s3://bucket[/prefix]` URIs among `uris` (other schemes need
    no role; an empty prefix stands for the whole bucket)."""
    out: dict[str, set[str]] = {}
    for uri in uris:
        if uri.startswith("s3://"):
            bucket, _, prefix = uri[len("s3://"):].partition("/")
            out.setdefault(bucket, set()).add(prefix.strip("/"))
    return {bucket: sorted(prefixes) for bucket, prefixes in sorted(out.items())}


NOTHING_TO_READ = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "NothingToRead", "Effect": "Deny", "Action": ["s3:*"], "Resource": "*"}]})


def model_reader_policy(partition: str, uris: Sequence[str]) -> str:
    """Read-only access to the S3 locations among `uris` (NOTHING_TO_READ when there are none)."""
    locations = s3_locations(uris)
    if not locations:
        return NOTHING_TO_READ
    statements = []
    objects = []
    for i, (bucket, prefixes) in enumerate(locations.items()):
        listing = {"Sid": f"ListModelPrefixes{i}", "Effect": "Allow", "Action": ["s3:ListBucket"],
                   "Resource": f"arn:{partition}:s3:::{bucket}"}
        if "" not in prefixes:
            listing["Condition"] = {"StringLike": {"s3:prefix": [v for p in prefixes for v in (p, f"{p}/*")]}}
        statements.append(listing)
        for p in prefixes:
            objects += [f"arn:{partition}:s3:::{bucket}/*"] if not p else [
                f"arn:{partition}:s3:::{bucket}/{p}", f"arn:{partition}:s3:::{bucket}/{p}/*"]
    statements.append({"Sid": "ReadModelObjects", "Effect": "Allow", "Action": ["s3:GetObject"],
                       "Resource": objects})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class ModelReaderRoleArgs:
    """`role_name`: the IAM role's name. `region`: the member's region (for the ARN partition). `storage_uris`:
    what the member's models read (may arrive with the private stack's outputs); with no s3:// among them, the
    policy denies all of S3. `namespace`: where `model-reader` lives. `oidc_provider_arn` / `oidc_issuer`: the
    cluster's IRSA identity provider."""

    role_name: str
    region: str
    namespace: pulumi.Input[str]
    storage_uris: pulumi.Input[Sequence[str]]
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
            policy=pulumi.Output.from_input(args.storage_uris).apply(
                lambda uris: model_reader_policy(partition, uris or [])),
            opts=child)
        self.role_arn = pulumi.Output.all(self.role.arn, self.policy.id).apply(lambda v: v[0])
        self.register_outputs({"roleArn": self.role_arn})
