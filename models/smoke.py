"""Smoke check of a deployed model over the v2 (Open Inference) protocol: `python -m models smoke URL MODEL`.

Talks HTTP/REST with `tritonclient.http`, so it works against Triton, KServe's v2 runtimes and any other server of
the protocol. In order it checks: server live, server ready, model ready, model metadata (one FP32 input whose
shape is the declared `input_shape` behind a variable batch dimension, when the model is in the catalog), then
sends one deterministic batch (standard normal, fixed seed) as JSON tensors and compares the answer with the
local PyTorch module built from the catalog declaration's factory. The batch holds 2 rows, or fewer when the
server's model config allows fewer (`max_batch_size` from `/v2/models/<name>/config`, Triton's extension of the
protocol; Triton refuses a batch above it); a server without that endpoint gets 1 row.

Tolerance: `numpy.allclose(served, local, rtol=1e-3, atol=1e-3 * max(1, max|local|))` by default: the absolute
part scales with the size of the outputs (logits here reach ~35), because a GPU's error does. Measured on an
H100 (`benchmarks/gpu_parity.py`, torch 2.11, TorchScript on CUDA vs CPU): the MLP differs by at most 4e-6; the
CNN by 2e-5 up to batch 64, but by 2.0e-3 at batch 128 and 2.2e-3 at 256 — cuDNN picks other convolution
algorithms for large batches (TF32 on or off made no difference) — which a fixed atol of 1e-3 would call a
failure, and Triton's dynamic batching may well run the smoke request inside such a batch. Wrong weights move
outputs by orders of magnitude more (the tests' perturbed model passes only with atol 1000). Adjust with
`--rtol/--atol`.

Prints exactly one line, `PASS ...` or `FAIL ...`, and exits 0 or 1; connection and protocol errors are
FAIL lines too, never tracebacks. A model that is not in the catalog gets every check but the numeric
comparison (the line says so).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence
from urllib.parse import urlsplit

RTOL = 1e-3
ATOL = 1e-3
TIMEOUT_S = 30.0
BATCH = 2  # rows sent, at most: more than one exercises the batch dimension
SEED = 0


@dataclass(frozen=True)
class SmokeResult:
    ok: bool
    line: str  # the one-line summary, starting with PASS or FAIL


class SmokeFailure(Exception):
    """One failed check; its message is the reason on the FAIL line."""


def check_url(url: str):
    """The parsed server URL, or a SmokeFailure: scheme http or https, a host, a port (if any) from 1 to 65535.
    Checked before tritonclient sees it (its client dies half-built on a bad port and its __del__ prints a
    traceback)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    expected = f"bad URL {url!r}: expected http://host:port[/path] (or https://), with a port from 1 to 65535"
    try:
        port = parts.port  # ValueError when not a number or out of 0-65535
    except ValueError:
        raise SmokeFailure(expected) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0 or parts.query or parts.fragment:
        raise SmokeFailure(expected)
    return parts


def _client(url: str, timeout: float):
    parts = check_url(url)
    import tritonclient.http as httpclient

    return httpclient.InferenceServerClient(url=parts.netloc + parts.path.rstrip("/"), ssl=parts.scheme == "https",
                                            connection_timeout=timeout, network_timeout=timeout)


def _pick(tensors: list, preferred: str, kind: str) -> dict:
    if not tensors:
        raise SmokeFailure(f"model metadata lists no {kind}s")
    return next((t for t in tensors if t.get("name") == preferred), tensors[0])


def _batch_size(client, name: str) -> int:
    """min(BATCH, the served model's max_batch_size), or 1 when the server does not say (no config endpoint)."""
    try:
        config = client.get_model_config(name)
    except Exception:  # noqa: BLE001 - InferenceServerException: not Triton, or no config extension
        return 1
    return max(1, min(BATCH, int(config.get("max_batch_size") or 1)))


def _input_batch(metadata: dict, model, batch: int) -> tuple[str, "object"]:
    """(input name, deterministic FP32 batch) from the metadata, checked against the declaration if any."""
    import numpy as np

    tensor = _pick(metadata.get("inputs") or [], "INPUT__0", "input")
    name, dtype, shape = tensor.get("name"), tensor.get("datatype"), list(tensor.get("shape") or [])
    if dtype != "FP32":
        raise SmokeFailure(f"input {name} is {dtype}, expected FP32")
    if not shape or shape[0] != -1:
        raise SmokeFailure(f"input {name} has shape {shape}: expected a variable batch dimension first (-1)")
    row = shape[1:]
    if model is not None and tuple(row) != tuple(model.source.input_shape):
        raise SmokeFailure(f"input {name} has shape {shape}, the catalog declares "
                           f"{[-1, *model.source.input_shape]}")
    row = [1 if d == -1 else d for d in row]
    x = np.random.default_rng(SEED).standard_normal((batch, *row), dtype=np.float32)
    return name, x


def _local_output(model, x):
    import torch

    from models.packaging import build_module

    module = build_module(model)
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def smoke(url: str, name: str, *, rtol: float = RTOL, atol: float = ATOL, timeout: float = TIMEOUT_S,
          catalog: Optional[Mapping[str, object]] = None) -> SmokeResult:
    """Run every check against model `name` at `url`; never raises for server-side problems."""
    where = f"{name} at {url}"
    try:
        return SmokeResult(True, f"PASS {where}: {_checks(url, name, rtol, atol, timeout, catalog)}")
    except SmokeFailure as err:
        return SmokeResult(False, f"FAIL {where}: {err}")
    except ConnectionRefusedError:
        return SmokeResult(False, f"FAIL {where}: connection refused (is the server running and the port right?)")
    except TimeoutError:
        return SmokeResult(False, f"FAIL {where}: no answer within {timeout:g} s")
    except OSError as err:  # DNS failures, resets, unreachable networks
        return SmokeResult(False, f"FAIL {where}: cannot reach the server ({type(err).__name__}: {err})")
    except Exception as err:  # noqa: BLE001 - InferenceServerException, gevent timeouts, bad JSON: one line
        text = " ".join(str(err).split()) or type(err).__name__
        return SmokeResult(False, f"FAIL {where}: {type(err).__name__}: {text}")


def _checks(url: str, name: str, rtol: float, atol: float, timeout: float, catalog) -> str:
    check_url(url)  # before the catalog and tritonclient load: a typo fails at once
    import numpy as np
    import tritonclient.http as httpclient

    if catalog is None:
        from models.registry import load_catalog

        catalog = load_catalog()
    model = catalog.get(name)

    client = _client(url, timeout)
    try:
        if not client.is_server_live():
            raise SmokeFailure("server is not live (/v2/health/live)")
        if not client.is_server_ready():
            raise SmokeFailure("server is not ready (/v2/health/ready)")
        if not client.is_model_ready(name):
            raise SmokeFailure(f"model is not ready (/v2/models/{name}/ready): not loaded, still loading or failed")
        metadata = client.get_model_metadata(name)
        input_name, x = _input_batch(metadata, model, _batch_size(client, name))
        out_meta = _pick(metadata.get("outputs") or [], "OUTPUT__0", "output")
        request = httpclient.InferInput(input_name, list(x.shape), "FP32")
        request.set_data_from_numpy(x, binary_data=False)  # plain JSON tensors: every v2 server accepts them
        result = client.infer(name, [request],
                              outputs=[httpclient.InferRequestedOutput(out_meta["name"], binary_data=False)])
    finally:
        client.close()
    served = result.as_numpy(out_meta["name"])
    if served is None:
        raise SmokeFailure(f"response has no output {out_meta['name']}")
    served = served.astype(np.float32, copy=False)
    if served.shape[:1] != x.shape[:1]:
        raise SmokeFailure(f"output {out_meta['name']} has shape {list(served.shape)} for a batch of {len(x)}")
    if not np.all(np.isfinite(served)):
        raise SmokeFailure(f"output {out_meta['name']} has non-finite values")
    if model is None:
        return (f"live, ready, {out_meta['name']} {list(served.shape)} FP32 finite "
                f"(not in the catalog: no comparison with a local module)")
    local = _local_output(model, x)
    if served.shape != local.shape:
        raise SmokeFailure(f"output {out_meta['name']} has shape {list(served.shape)}, "
                           f"the local module gives {list(local.shape)}")
    ok, diff, scaled_atol = outputs_match(served, local, rtol=rtol, atol=atol)
    if not ok:
        raise SmokeFailure(f"output differs from the local module: max |diff| {diff:.3g} "
                           f"(rtol={rtol:g}, atol={scaled_atol:.3g})")
    return (f"live, ready, {out_meta['name']} {list(served.shape)} matches the local module "
            f"(max |diff| {diff:.2g}, rtol={rtol:g}, atol={scaled_atol:.2g})")


def outputs_match(served, local, *, rtol: float = RTOL, atol: float = ATOL) -> tuple[bool, float, float]:
    """(match?, max |diff|, the absolute tolerance used): allclose with `atol` scaled by max(1, max |local|)."""
    import numpy as np

    served, local = np.asarray(served, dtype=np.float64), np.asarray(local, dtype=np.float64)
    scaled_atol = atol * max(1.0, float(np.max(np.abs(local))))
    diff = float(np.max(np.abs(served - local)))
    return bool(np.allclose(served, local, rtol=rtol, atol=scaled_atol)), diff, scaled_atol


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("url", help="server base URL, e.g. http://127.0.0.1:8000 (v2 REST endpoint)")
    parser.add_argument("model", help="model name on the server (a catalog name gets a numeric comparison)")
    parser.add_argument("--rtol", type=float, default=RTOL, help=f"relative tolerance (default {RTOL:g})")
    parser.add_argument("--atol", type=float, default=ATOL, help=f"absolute tolerance (default {ATOL:g})")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S,
                        help=f"connect and per-request timeout in seconds (default {TIMEOUT_S:g})")
    return parser


def run(args: argparse.Namespace) -> int:
    """Entry point for parsed arguments (the `smoke` subcommand of `python -m models`): print, return 0 or 1."""
    result = smoke(args.url, args.model, rtol=args.rtol, atol=args.atol, timeout=args.timeout)
    print(result.line, flush=True)
    return 0 if result.ok else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="python -m models smoke", description=__doc__.splitlines()[0]))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
