"""How model pods are allowed to read their artifacts: one ServiceAccount, `model-reader`, in the model namespace
of each cluster, that every predictor (KServe) and every Phase 1 pod runs as.

The name is the same on every cluster, so the InferenceService Karmada propagates needs no per-member override;
what the account carries differs per cluster:
- private cluster (S3 or an S3-compatible store on premises): `credentials_secret`, an existing Secret in the
  namespace with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, listed under the account's `secrets`, which is
  where KServe's storage initializer looks for credentials. The platform never reads the keys: the Secret is made
  by whoever owns them (a secrets operator, or `kubectl create secret`), so they never pass through Pulumi state.
- EKS member: `role_arn`, an IAM role for service accounts (IRSA) allowed to read the member's bucket mirror; EKS
  injects its web identity into every container of the pod, init containers included.
With neither, pods read only what needs no credentials (public https, `pvc://`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.options import child_options

MODEL_READER = "model-reader"
IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"


@dataclass(frozen=True)
class ModelReaderArgs:
    """`namespace`: the model namespace. `credentials_secret`: an existing Secret with S3 keys (private cluster).
    `role_arn`: an IRSA role (EKS member). Neither: an account with no credentials."""

    namespace: pulumi.Input[str]
    credentials_secret: Optional[str] = None
    role_arn: Optional[pulumi.Input[str]] = None


class ModelReader(pulumi.ComponentResource):
    """The `model-reader` ServiceAccount (token not mounted: pods that read S3 need no Kubernetes API access)."""

    service_account: k8s.core.v1.ServiceAccount

    def __init__(self, name: str, args: ModelReaderArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:cluster:ModelReader", name, None, opts)
        annotations = {IRSA_ROLE_ANNOTATION: args.role_arn} if args.role_arn is not None else None
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=MODEL_READER, namespace=args.namespace, annotations=annotations,
                                                labels={"app.kubernetes.io/part-of": "inference-platform"}),
            automount_service_account_token=False,
            secrets=[k8s.core.v1.ObjectReferenceArgs(name=args.credentials_secret)]
            if args.credentials_secret else None,
            opts=child_options(self, opts))
        self.name = self.service_account.metadata.name
        self.register_outputs({"name": self.name})
