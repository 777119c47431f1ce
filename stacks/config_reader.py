"""Small typed readers over one section of a stack config, each failing with a `ConfigError` that names
the section, the field, the bad value and what was expected. Unknown keys are errors too (a typo in a stack
file must not be silently ignored)."""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional, Type, TypeVar
from urllib.parse import urlsplit

from models.errors import ConfigError

E = TypeVar("E")
_MISSING = object()
# The largest value of the Kubernetes API's int32 fields (replicas, ports, percents): every count a stack file sets
# ends in one, or in a smaller AWS limit, so no integer is read without an upper bound.
INT32_MAX = 2**31 - 1
# Control characters (a pasted newline or tab included) are never part of a name, host, bucket or URL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# How Pulumi hands over a top-level scalar under `pulumi up`: always as its text, whether the stack file quoted it
# or not (pulumi/pulumi v3.259.0, sdk/go/common/resource/config/object.go `MarshalString`). A reader expecting a
# number or a boolean there takes the text the way Pulumi's own config coercion does (same file, `coerce`).
_PULUMI_INT = re.compile(r"^(0|-?[1-9][0-9]*)$")


def text_problem(value: str) -> Optional[str]:
    """Why `value` cannot be an identifier, host, bucket or URL (None if it can): surrounding whitespace (a
    trailing newline from a paste) or a control character anywhere."""
    if value != value.strip():
        return "no leading or trailing whitespace"
    if _CONTROL.search(value):
        return "no control characters (newline, tab, ...)"
    return None


def split_url(value: str):
    """`urllib.parse.urlsplit(value)` with its port checked, or None when it does not parse: urlsplit raises
    ValueError on e.g. 'http://[::1' and `.port` on a port that is not a number from 0 to 65535."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if port == 0:
        return None
    return parts


class Section:
    """One mapping of the stack config. A key set to YAML null (`key: ~`, or `key:` with everything under it
    commented out) counts as absent, so its default applies (or, for a required key, the "required" error)."""

    def __init__(self, where: str, data: Any, allowed: Iterable[str], *, namespace: bool = False):
        """`namespace`: this is a config namespace (`platform`), whose sections are named `platform:<key>` as in
        the stack file; nested sections are named `<where>.<key>`."""
        self.child_separator = ":" if namespace else "."
        self.top_level = namespace  # its scalars arrive as text under `pulumi up` (see _PULUMI_INT)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(where, "section", data, "a mapping")
        for key in data:
            if not isinstance(key, str):  # YAML reads `1:`, `~:` or `true:` as a number, null or boolean
                raise ConfigError(where, "key", key, "a string key (quote it)")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            # The key, not its value: a misplaced key may hold a credential, and this line goes to CI logs.
            raise ConfigError(where, "key", unknown[0], "one of the known keys: " + ", ".join(sorted(allowed)))
        self.where, self.data = where, {k: v for k, v in data.items() if v is not None}

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise ConfigError(self.where, key, None, "a value (required)")
        return default

    def str(self, key: str, default: Any = _MISSING, pattern: Optional[str] = None, expected: str = "") -> Any:
        value = self.raw(key, default)
        if value is None and default is None:
            return None
        if not isinstance(value, str):
            raise ConfigError(self.where, key, value, expected or "a string")
        problem = text_problem(value)
        if problem:
            raise ConfigError(self.where, key, value, (expected or "a string") + f", with {problem}")
        if pattern and not re.fullmatch(pattern, value):
            raise ConfigError(self.where, key, value, expected or "a string")
        return value

    def int(self, key: str, default: Any = _MISSING, minimum: int = 0, maximum: Optional[int] = None) -> Any:
        value = self.raw(key, default)
        if value is None and default is None:
            return None
        if self.top_level and isinstance(value, str) and _PULUMI_INT.fullmatch(value):
            value = int(value)
        maximum = INT32_MAX if maximum is None else maximum
        ok = isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum
        if not ok:
            raise ConfigError(self.where, key, value, f"an integer from {minimum} to {maximum}")
        return value

    def bool(self, key: str, default: Any = _MISSING) -> Any:
        value = self.raw(key, default)
        if self.top_level and value in ("true", "false"):
            value = value == "true"
        if not isinstance(value, bool):
            raise ConfigError(self.where, key, value, "true or false")
        return value

    def enum(self, key: str, enum_type: Type[E], default: Any = _MISSING) -> E:
        value = self.raw(key, default)
        if isinstance(value, enum_type) or (value is None and default is None):
            return value
        for member in enum_type:  # type: ignore[attr-defined]
            if value == member.value:
                return member
        choices = ", ".join(repr(m.value) for m in enum_type)  # type: ignore[attr-defined]
        raise ConfigError(self.where, key, value, f"one of {choices}")

    def list(self, key: str, default: Any = _MISSING) -> list:
        value = self.raw(key, default)
        if not isinstance(value, list):
            raise ConfigError(self.where, key, value, "a list")
        return value

    def section(self, key: str, allowed: Iterable[str]) -> "Section":
        return Section(f"{self.where}{self.child_separator}{key}", self.raw(key, {}), allowed)


DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
# A TCP port, 1 to 65535, for patterns of host:port strings.
PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# A DNS-1123 subdomain: dot-separated DNS labels, at most 253 characters (no scheme, no port, no path).
DNS_SUBDOMAIN = r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$"
# A cloud region such as 'us-east-1', 'ap-southeast-2' or 'us-gov-west-1'.
REGION = r"^[a-z]{2}(-[a-z]+)+-\d+$"
