"""Small typed readers over one section of a stack config, each failing with a `ConfigError` that names
the section, the field, the bad value and what was expected. Unknown keys are errors too (a typo in a stack
file must not be silently ignored)."""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional, Type, TypeVar

from models.errors import ConfigError

E = TypeVar("E")
_MISSING = object()


class Section:
    """One mapping of the stack config. A key set to YAML null (`key: ~`, or `key:` with everything under it
    commented out) counts as absent, so its default applies (or, for a required key, the "required" error)."""

    def __init__(self, where: str, data: Any, allowed: Iterable[str], *, namespace: bool = False):
        """`namespace`: this is a config namespace (`platform`), whose sections are named `platform:<key>` as in
        the stack file; nested sections are named `<where>.<key>`."""
        self.child_separator = ":" if namespace else "."
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(where, "section", data, "a mapping")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise ConfigError(where, unknown[0], data[unknown[0]],
                              "one of the known keys: " + ", ".join(sorted(allowed)))
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
        if not isinstance(value, str) or (pattern and not re.fullmatch(pattern, value)):
            raise ConfigError(self.where, key, value, expected or "a string")
        return value

    def int(self, key: str, default: Any = _MISSING, minimum: int = 0, maximum: Optional[int] = None) -> Any:
        value = self.raw(key, default)
        if value is None and default is None:
            return None
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        if ok and maximum is not None:
            ok = value <= maximum
        if not ok:
            rng = f"an integer >= {minimum}" if maximum is None else f"an integer from {minimum} to {maximum}"
            raise ConfigError(self.where, key, value, rng)
        return value

    def bool(self, key: str, default: Any = _MISSING) -> Any:
        value = self.raw(key, default)
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
# A DNS-1123 subdomain: dot-separated DNS labels, at most 253 characters (no scheme, no port, no path).
DNS_SUBDOMAIN = r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$"
# A cloud region such as 'us-east-1', 'ap-southeast-2' or 'us-gov-west-1'.
REGION = r"^[a-z]{2}(-[a-z]+)+-\d+$"
