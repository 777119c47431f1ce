"""Resource options for a component's children.

Pulumi (Python SDK) makes a resource that depends on a component wait for the component's children, but a
component's own `depends_on` is not inherited by its children: a child registers as soon as its inputs are
known. So a component passes the caller's `depends_on` on to every child explicitly, or a Deployment could be
applied before its Namespace, or a custom resource before the release that installs its CRD.
"""
from __future__ import annotations

from typing import Optional

import pulumi


def inherited_dependencies(opts: Optional[pulumi.ResourceOptions]) -> list[pulumi.Resource]:
    deps = opts.depends_on if opts is not None else None
    if isinstance(deps, pulumi.Resource):
        return [deps]
    return [d for d in (deps or []) if isinstance(d, pulumi.Resource)]


def child_options(parent: pulumi.Resource, opts: Optional[pulumi.ResourceOptions],
                  *also: pulumi.Resource, **extra) -> pulumi.ResourceOptions:
    """Options for a child of `parent`: the caller's dependencies (from `opts`), plus `also`."""
    return pulumi.ResourceOptions(parent=parent, depends_on=[*inherited_dependencies(opts), *also], **extra)
