"""models/handler.py in-process: nesting limits at their boundary, the worker count from the serving config, and
per-request failures (a fake TorchServe context records what the handler sets for each request of a batch).
Real TorchServe runs the same handler in tests/test_torchserve_e2e.py."""
from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("ts")

from models.handler import PlatformHandler, configured_workers, nesting_depth_exceeds  # noqa: E402


@pytest.mark.parametrize("text, limit, expected", [
    ("[1, 2]", 1, False), ("[[1], [2]]", 1, True), ("[[1], [2]]", 2, False), ("[[[1]]]", 2, True),
    ('["[[[", "]"]', 1, False), ('["\\"[[", 1]', 1, False), ('{"a": [1]}', 1, True), ("[" * 1024 + "]" * 1024, 3, True),
    ("7", 0, False), ("[]", 0, True),
])
def test_nesting_depth_of_text_at_the_boundary(text, limit, expected):
    assert nesting_depth_exceeds(text, limit) is expected


@pytest.mark.parametrize("value, limit, expected", [
    ([1.0, 2.0], 1, False), ([[1.0]], 1, True), ([[1.0]], 2, False), ({"a": [1]}, 1, True), (3.0, 0, False),
])
def test_nesting_depth_of_parsed_values_at_the_boundary(value, limit, expected):
    assert nesting_depth_exceeds(value, limit) is expected


def test_deep_parsed_value_needs_no_recursion():
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert nesting_depth_exceeds(deep, 3) is True


def write_config(tmp_path, lines):
    path = tmp_path / "config.properties"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_workers_come_from_the_models_entry_of_the_config(tmp_path, monkeypatch):
    models = {"m": {"1.0": {"minWorkers": 3, "maxWorkers": 3}}, "other": {"1.0": {"maxWorkers": 9}}}
    path = write_config(tmp_path, ["default_workers_per_model=5", f"models={json.dumps(models)}"])
    monkeypatch.setenv("TS_CONFIG_FILE", str(path))
    assert configured_workers("m", "1.0") == (3, f"{path} models.m.1.0.maxWorkers")
    assert configured_workers("m", "2.0") == (5, f"{path} default_workers_per_model")


def test_without_a_serving_config_one_worker_is_assumed(tmp_path, monkeypatch):
    monkeypatch.delenv("TS_CONFIG_FILE", raising=False)
    assert configured_workers("m", "1.0") == (1, "no TS_CONFIG_FILE")
    monkeypatch.setenv("TS_CONFIG_FILE", str(tmp_path / "missing.properties"))
    workers, source = configured_workers("m", "1.0")
    assert workers == 1 and source.startswith(f"{tmp_path / 'missing.properties'} unreadable (FileNotFoundError")
    path = write_config(tmp_path, ["models=not json"])
    monkeypatch.setenv("TS_CONFIG_FILE", str(path))
    assert configured_workers("m", "1.0")[0] == 1
    path = write_config(tmp_path, ["inference_address=http://0.0.0.0:8080"])
    assert configured_workers("m", "1.0") == (1, f"{path} names no workers for m 1.0")


class FakeContext:
    """What PlatformHandler uses of ts.context.Context, recording per-request status and content type."""

    def __init__(self, headers):
        self.headers, self.status, self.content_type = headers, {}, {}

    def get_request_header(self, idx, key):
        return self.headers[idx].get(key)

    def set_response_status(self, code=200, phrase="", idx=0):
        self.status[idx] = (code, phrase)

    def set_response_content_type(self, idx, value):
        self.content_type[idx] = value


def handler_for(model, rows_headers):
    handler = PlatformHandler()
    handler.model, handler.device, handler.input_shape, handler.labels = model, torch.device("cpu"), (2,), []
    handler.context = FakeContext(rows_headers)
    return handler


def run(handler, bodies):
    data = [{"body": b} for b in bodies]
    return handler.postprocess(handler.inference(handler.preprocess(data)))


def test_a_row_that_fails_the_forward_pass_fails_alone():
    def model(x):  # fails whenever the batch holds the poisoned row
        if (x[:, 0] == 7.0).any():
            raise RuntimeError("poisoned row")
        return x * 2

    bodies = [b"[1, 2]", b"[7, 0]", b"[3, 4]"]
    handler = handler_for(model, [{}, {}, {}])
    out = run(handler, bodies)
    assert out[1] == {"error": "inference failed: RuntimeError"}
    assert handler.context.status == {1: (500, "inference failed: RuntimeError")}
    assert torch.allclose(torch.tensor(out[0]["probabilities"]), torch.softmax(torch.tensor([2.0, 4.0]), 0))
    assert torch.allclose(torch.tensor(out[2]["probabilities"]), torch.softmax(torch.tensor([6.0, 8.0]), 0))
    assert handler.context.content_type == {0: "application/json", 1: "application/json", 2: "application/json"}


def test_explain_request_gets_501_and_its_neighbours_predictions():
    handler = handler_for(lambda x: x, [{"explain": "False"}, {"explain": "True"}, {}])
    out = run(handler, [b"[1, 2]", b"[1, 2]", b"[[1, 2]]"])
    assert handler.context.status == {
        1: (501, "explanations are not supported by this model; use /predictions"),
        2: (400, "body nests deeper than the input's 1 dimensions (expected shape [2])")}
    assert out[0]["batch_size"] == 3 and "probabilities" in out[0]
    assert handler._is_explain() is False
