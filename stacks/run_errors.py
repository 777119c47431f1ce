"""User mistakes found inside an `apply` must end `pulumi up` with one line, like those found before registration.

The program's own checks run before any resource exists and `__main__.py` turns a PlatformError into a
`pulumi.RunError`. A check that needs a value known only during the update (the public stack's check of what the
private stack asks it to host) runs inside an `apply`, after `main()` has returned, so nothing of ours is on the
stack to catch it. What reaches the language host then is whatever the SDK made of it: a ConfigError is a
ValueError, and the SDK re-raises a ValueError from a resource's inputs as a new ValueError("While processing
resource: ...") (pulumi 3.272.0, runtime/resource.py `prepare_resource` call and runtime/rpc.py
`serialize_properties`), which the host prints as "Program failed with an unhandled exception" and a traceback.
The host prints a `pulumi.RunError` as `str(err)` alone (pulumi/pulumi v3.259.0,
sdk/python/cmd/pulumi-language-python-exec: `except pulumi.RunError as e: pulumi.log.error(str(e))`), and the SDK
does not wrap a RunError (it re-wraps only ValueError and AssertionError), so `reported` raises one, carrying the
PlatformError (`platform_error`, and as its cause) for the offline render, which prints it and exits 2.
"""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

import pulumi

from models.errors import PlatformError

T = TypeVar("T")


def reported(fn: Callable[..., T]) -> Callable[..., T]:
    """`fn`, for use as an `apply` callback: a PlatformError it raises leaves as a `pulumi.RunError` with the same
    one-line message. Any other exception is a bug and keeps its traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PlatformError as err:
            run_error = pulumi.RunError(str(err))
            run_error.platform_error = err  # type: ignore[attr-defined]  # the SDK may rewrite __cause__
            raise run_error from err

    return wrapper
