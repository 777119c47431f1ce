"""Run Karmada resource-interpreter Lua scripts under lupa, the way Karmada's Lua VM does.

Karmada runs each script in Lua 5.1 (gopher-lua) with a sandbox: `getmetatable`,
`setmetatable`, `load`, `loadstring`, `rawget`, `rawset`, ... raise, and `io` / `debug` are
absent. Objects go in as Lua tables (JSON arrays as 1-based sequences) and results come back
through JSON, where an empty table becomes `[]` (and, inside an object, is dropped). This
harness runs the scripts in lupa's Lua 5.1 (`lupa.lua51`; lupa's default runtime only if that
build is missing, see LUA_RUNTIME) with the same sandbox, converts Python <-> Lua values, and
offers `empty_tables` to find results Karmada would mangle:

    result = run_script(path, "GetReplicas", isvc)     # a tuple when the function returns several
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

try:
    import lupa.lua51 as _lupa

    LUA_RUNTIME = "lupa.lua51"
except ImportError:  # pragma: no cover - lupa built without Lua 5.1
    import lupa as _lupa  # type: ignore[no-redef]

    LUA_RUNTIME = "lupa (default Lua, not 5.1)"

# what Karmada's luavm replaces with a function that raises
SANDBOXED = (
    "collectgarbage", "dofile", "getfenv", "getmetatable", "load", "loadfile", "loadstring",
    "rawequal", "rawget", "rawset", "setfenv", "setmetatable", "module", "newproxy",
)


def new_runtime():
    runtime = _lupa.LuaRuntime(unpack_returned_tuples=True, register_eval=False, register_builtins=False)
    sandbox = "\n".join(
        f"{name} = function() error('call function {name} is not supported in karmada customized resourceinterpreter.') end"
        for name in SANDBOXED
    )
    runtime.execute(sandbox + "\nio = nil\ndebug = nil\n")
    return runtime


def lua_version(runtime) -> str:
    return runtime.eval("_VERSION")


def to_lua(runtime, value: Any):
    """Python (JSON-like) -> Lua. dict -> table, list -> 1-based sequence, None -> nil."""
    if isinstance(value, Mapping):
        table = runtime.table()
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, got {key!r}")
            if item is not None:
                table[key] = to_lua(runtime, item)
        return table
    if isinstance(value, (list, tuple)):
        table = runtime.table()
        for index, item in enumerate(value, start=1):
            if item is None:
                raise TypeError("null inside a list has no Lua equivalent")
            table[index] = to_lua(runtime, item)
        return table
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot pass {type(value).__name__} to Lua")


def from_lua(value: Any) -> Any:
    """Lua -> Python. A table with keys 1..n -> list, string keys -> dict, empty -> {}.

    Integral numbers come back as int (Lua 5.1 has only doubles, like gopher-lua).
    """
    if _lupa.lua_type(value) == "table":
        items = list(value.items())
        if not items:
            return {}
        keys = [k for k, _ in items]
        if all(isinstance(k, (int, float)) and not isinstance(k, bool) for k in keys):
            ordered = sorted(int(k) for k in keys)
            if ordered != list(range(1, len(ordered) + 1)):
                raise ValueError(f"Lua table with sparse or non-positive keys: {ordered}")
            return [from_lua(value[i]) for i in ordered]
        if all(isinstance(k, str) for k in keys):
            return {k: from_lua(v) for k, v in items}
        raise ValueError(f"Lua table mixes list and map keys: {keys}")
    if _lupa.lua_type(value) is not None:
        raise TypeError(f"Lua {_lupa.lua_type(value)} cannot cross to Karmada")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def empty_tables(value: Any, path: str = "") -> list[str]:
    """Paths of empty maps/lists below the root: Karmada would turn them into `[]` and drop them."""
    found = []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in children:
        child = f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"
        if isinstance(item, (dict, list)) and not item:
            found.append(child)
        else:
            found.extend(empty_tables(item, child))
    return found


def load_script(runtime, script: str | Path) -> None:
    text = script.read_text(encoding="utf-8") if isinstance(script, Path) else script
    runtime.execute(text)


def run_script(script: str | Path, function: str, *args: Any) -> Any:
    """Load `script` into a fresh sandboxed runtime, call `function(*args)`, return Python values.

    Raises if loading or calling leaves any global besides `function` behind: Karmada reuses
    Lua states across scripts, so a stray global could clash with another interpreter's.
    """
    runtime = new_runtime()
    before = set(runtime.globals().keys())
    load_script(runtime, script)
    fn = runtime.globals()[function]
    if fn is None:
        raise LookupError(f"script does not define {function}")
    result = fn(*(to_lua(runtime, a) for a in args))
    stray = set(runtime.globals().keys()) - before - {function}
    if stray:
        raise AssertionError(f"script leaves globals behind: {sorted(stray)}")
    if isinstance(result, tuple):
        return tuple(from_lua(r) for r in result)
    return from_lua(result)
