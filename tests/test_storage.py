"""The model-reader ServiceAccount every model pod runs as: what it carries on a private and on an EKS cluster."""
from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.storage import IRSA_ROLE_ANNOTATION, MODEL_READER, ModelReader, ModelReaderArgs
from stacks.render import run_program
from stacks.validation import validate_builtin


def render(args: ModelReaderArgs):
    def program():
        ModelReader("reader", args, opts=pulumi.ResourceOptions(provider=k8s.Provider("c", context="test")))
    return run_program(program, stack="test", config={})


def test_private_reader_lists_the_credentials_secret_and_mounts_no_token():
    sa = render(ModelReaderArgs(namespace="inference", credentials_secret="s3-keys")).find(
        "ServiceAccount", MODEL_READER)
    assert sa["metadata"]["namespace"] == "inference"
    assert sa["secrets"] == [{"name": "s3-keys"}]  # where KServe's storage initializer looks for S3 keys
    assert sa["automountServiceAccountToken"] is False
    assert IRSA_ROLE_ANNOTATION not in (sa["metadata"].get("annotations") or {})
    assert validate_builtin(sa)


def test_eks_reader_carries_the_irsa_role_and_no_secret():
    arn = "arn:aws:iam::123456789012:role/model-reader"
    sa = render(ModelReaderArgs(namespace="inference", role_arn=arn)).find("ServiceAccount", MODEL_READER)
    assert sa["metadata"]["annotations"] == {IRSA_ROLE_ANNOTATION: arn}
    assert "secrets" not in sa
    assert validate_builtin(sa)


def test_the_reader_role_reads_only_each_models_prefix():
    import json
    from components.aws.model_reader_role import NOTHING_TO_READ, model_reader_policy, s3_locations
    uris = ["s3://b1/m/v1", "s3://b1/m/v2/", "s3://b0/x", "https://h/m.tar.gz", "pvc://c/p"]
    assert s3_locations(uris) == {"b0": ["x"], "b1": ["m/v1", "m/v2"]}
    statements = json.loads(model_reader_policy("aws", uris))["Statement"]
    assert statements[0] == {"Sid": "ListModelPrefixes0", "Effect": "Allow", "Action": ["s3:ListBucket"],
                             "Resource": "arn:aws:s3:::b0",
                             "Condition": {"StringLike": {"s3:prefix": ["x", "x/*"]}}}
    assert statements[1]["Condition"]["StringLike"]["s3:prefix"] == ["m/v1", "m/v1/*", "m/v2", "m/v2/*"]
    assert statements[2]["Action"] == ["s3:GetObject"] and statements[2]["Resource"] == [
        "arn:aws:s3:::b0/x", "arn:aws:s3:::b0/x/*", "arn:aws:s3:::b1/m/v1", "arn:aws:s3:::b1/m/v1/*",
        "arn:aws:s3:::b1/m/v2", "arn:aws:s3:::b1/m/v2/*"]
    # a whole-bucket URI lists and reads the whole bucket; no S3 at all reads nothing
    whole = json.loads(model_reader_policy("aws", ["s3://b2"]))["Statement"]
    assert "Condition" not in whole[0] and whole[1]["Resource"] == ["arn:aws:s3:::b2/*"]
    assert model_reader_policy("aws", ["pvc://c/p"]) == NOTHING_TO_READ
