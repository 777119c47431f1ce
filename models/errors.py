"""Errors raised for user mistakes: a bad model declaration or a bad stack config.

They carry the model (or config section), the field, the value received and what was expected, so the
message reads like cdk8s-plus: what went wrong, the value received, what was expected. The CLI entry points
print them without a stack trace and exit non-zero before any resource is registered.
"""
from __future__ import annotations


class PlatformError(Exception):
    """Base of every user-facing error; the CLIs print `str(err)` and exit 2."""


class DeclarationError(PlatformError, ValueError):
    """A model declaration is invalid."""

    def __init__(self, model: str, field: str, value: object, expected: str) -> None:
        self.model, self.field, self.value, self.expected = model, field, value, expected
        super().__init__(f"model '{model}': invalid {field} {value!r}: expected {expected}")


class ConfigError(PlatformError, ValueError):
    """A stack config (Pulumi.<stack>.yaml) is invalid, or inconsistent with the declarations."""

    def __init__(self, where: str, field: str, value: object, expected: str) -> None:
        self.where, self.field, self.value, self.expected = where, field, value, expected
        super().__init__(f"{where}: invalid {field} {value!r}: expected {expected}")
