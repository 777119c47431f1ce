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
        parsed = config_value(value)
        if ns not in KNOWN_NAMESPACES or not name:
            close = difflib.get_close_matches(ns, KNOWN_NAMESPACES, n=1)
            hint = f" (did you mean '{close[0]}:{name}'?)" if close and name else ""
            shown = "[secret]" if _is_secret(key) else parsed
            raise ConfigError("config", key, shown, "a key under one of the namespaces " +
                              ", ".join(f"'{n}:'" for n in KNOWN_NAMESPACES) + hint)
        if ns == NAMESPACE:
            out[name.removeprefix("config:")] = parsed
    return out


def config_value(text: Any) -> Any:
    """One top-level config value as `pulumi up` hands it over. Pulumi gives a mapping or a list (and YAML null) as
    JSON text and any scalar as its text, quoted in the stack file or not (pulumi/pulumi v3.259.0,
    sdk/go/common/resource/config/object.go `MarshalString`: `"2024"` and `2024` both arrive as 2024's text). So
    only JSON mappings, lists and null are decoded; a scalar stays the string it was written as (a namespace
    `"2024"` or a phase `"true"` is not turned into a number or a boolean), and the typed readers convert it where
    they expect a number or a boolean (`stacks.config_reader.Section`). The offline render hands values over the
    same way (`stacks.render._config_strings`), so both read a stack file alike."""
    if not isinstance(text, str):
        return text
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError:
        return text
    return decoded if decoded is None or isinstance(decoded, (dict, list)) else text


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
