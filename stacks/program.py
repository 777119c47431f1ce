"""The Pulumi program: picks the stack's role from its name and runs that stack with its typed config."""
from __future__ import annotations

import difflib
import json
import os
from typing import Any

import pulumi

from models.errors import ConfigError

NAMESPACE = "platform"
# Config namespaces a stack file may use: the platform's own, and those of the providers the stacks use (their
# provider settings, e.g. `aws:region`) and of Pulumi itself. A key under any other namespace is a typo.
KNOWN_NAMESPACES = (NAMESPACE, "aws", "kubernetes", "tls", "pulumi")


def platform_config() -> dict[str, Any]:
    """Every `platform:*` key of the stack config, parsed (structured values arrive as JSON strings).

    The SDK offers no listing of config keys, so this reads the same sources `pulumi.Config` reads (the
    runtime's config map, then the PULUMI_CONFIG environment variable the CLI sets); listing them lets the typed
    readers reject unknown keys instead of silently ignoring a typo; a key under a namespace no stack reads
    (`platfrom:models`) is rejected here for the same reason.
    """
    raw: dict[str, Any] = {}
    env = os.environ.get("PULUMI_CONFIG")
    if env:
        raw.update(json.loads(env))
    raw.update(pulumi.runtime.config.CONFIG.get())
    out = {}
    for key, value in raw.items():
        ns, _, name = key.partition(":")
        try:
            parsed = json.loads(value) if isinstance(value, str) else value
        except json.JSONDecodeError:
            parsed = value
        if ns not in KNOWN_NAMESPACES or not name:
            close = difflib.get_close_matches(ns, KNOWN_NAMESPACES, n=1)
            hint = f" (did you mean '{close[0]}:{name}'?)" if close and name else ""
            shown = "[secret]" if _is_secret(key) else parsed
            raise ConfigError("config", key, shown, "a key under one of the namespaces " +
                              ", ".join(f"'{n}:'" for n in KNOWN_NAMESPACES) + hint)
        if ns == NAMESPACE:
            out[name.removeprefix("config:")] = parsed
    return out


def _is_secret(key: str) -> bool:
    return (pulumi.runtime.config.is_config_secret(key)
            or key in pulumi.runtime.config.get_config_secret_keys_env())


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
