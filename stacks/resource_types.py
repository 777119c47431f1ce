"""Pulumi type tokens the offline tools recognise in a render, whether it is being made (stacks/render.py) or read
back from disk (stacks/diff_render.py, stacks/diff_rules.py)."""

PROVIDER_PREFIX = "pulumi:providers:"
K8S_PROVIDER = "pulumi:providers:kubernetes"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
