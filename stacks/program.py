"""The Pulumi program: picks the stack's role from its name and runs that stack with its typed config."""
from __future__ import annotations

import json
import os
from typing import Any

import pulumi

from models.errors import ConfigError

NAMESPACE = "platform"


def platform_config() -> dict[str, Any]:
    """Every `platform:*` key of the stack config, parsed (structured values arrive as JSON strings).

    The SDK offers no listing of config keys, so this reads the same sources `pulumi.Config` reads (the
    runtime's config map, then the PULUMI_CONFIG environment variable the CLI sets); listing them lets the typed
    readers reject unknown keys instead of silently ignoring a typo.
    """
    raw: dict[str, Any] = {}
    env = os.environ.get("PULUMI_CONFIG")
    if env:
        raw.update(json.loads(env))
    raw.update(pulumi.runtime.config.CONFIG.get())
    out = {}
    for key, value in raw.items():
        ns, _, name = key.partition(":")
        if ns != NAMESPACE or not name:
            continue
        name = name.removeprefix("config:")
        try:
            out[name] = json.loads(value) if isinstance(value, str) else value
        except json.JSONDecodeError:
            out[name] = value
    return out


def stack_role(stack: str) -> str:
    for role in ("private", "public"):
        if stack == role or stack.endswith("-" + role):
            return role
    raise ConfigError("stack", "name", stack, "'private', 'public', or a name ending in '-private' / '-public'")


def main() -> None:
    role = stack_role(pulumi.get_stack())
    values = platform_config()
    if role == "private":
        from stacks.private import run
    else:
        from stacks.public import run
    run(values)
