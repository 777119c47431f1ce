"""Reading one public member's stack output on the private side, as it arrives through a StackReference.

Why one reader: the private stack reads two outputs of each member's stack (its mesh reader and its Karmada
registration), both absent until that stack has run, both a flat mapping of strings one of which is the
member's API server URL. A wrong shape must fail with the one-line error every config mistake gets."""
from __future__ import annotations

from typing import Any, Optional

from models.errors import ConfigError


def check_member_output(value: Any, where: str, keys: tuple[str, ...], url_key: str) -> Optional[dict]:
    """None before the member's stack ran (the output is absent); else exactly `keys`, each a non-empty string,
    `url_key` an https:// URL. Anything else raises ConfigError naming `where` (the output)."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(keys) or not all(
            isinstance(value[k], str) and value[k] for k in keys):
        found = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise ConfigError(where, "keys", found, "non-empty strings " + ", ".join(keys))
    if not value[url_key].startswith("https://"):
        raise ConfigError(where, url_key, value[url_key], "the member's API server https:// URL")
    return {k: value[k] for k in keys}
