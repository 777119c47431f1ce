"""Every pin resolves from the public index alone (.ci/pins.py), and the checker catches what it must."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "pins.py"


def _pins_module():
    spec = importlib.util.spec_from_file_location("ci_pins", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ci_pins"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


pins = _pins_module()


def test_every_pin_resolves_from_the_public_index_with_this_machines_pip_setup_ignored():
    done = subprocess.run([sys.executable, str(SCRIPT), "check"], capture_output=True, text=True, timeout=900)
    if done.returncode == pins.SKIP:
        pytest.skip(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("\nok   ") + done.stdout.startswith("ok   ") == 3, done.stdout


def test_the_isolated_environment_keeps_transport_settings_and_drops_package_sources(monkeypatch):
    monkeypatch.setenv("PIP_FIND_LINKS", "/opt/wheels")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "file:///opt/pypi/simple")
    monkeypatch.setenv("PIP_CONSTRAINT", "/etc/xdg/pip/constraints.txt")
    monkeypatch.setenv("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt")
    env = pins.isolated_env()
    assert "PIP_FIND_LINKS" not in env and "PIP_EXTRA_INDEX_URL" not in env and "PIP_CONSTRAINT" not in env
    assert env["PIP_CERT"] == "/etc/ssl/certs/ca-certificates.crt"
    assert env["PIP_CONFIG_FILE"] == "/dev/null"


def _report(*packages: tuple[str, str, str]) -> dict:
    return {"install": [{"metadata": {"name": n, "version": v}, "download_info": {"url": u}} for n, v, u in packages]}


FILES = "https://files.pythonhosted.org/packages/aa/bb/"


@pytest.fixture
def tiny_set(tmp_path, monkeypatch):
    (tmp_path / "req.txt").write_text("-c cons.txt\nPyYAML==6.0.4\ntritonclient[grpc]==2.73.0\n")
    (tmp_path / "cons.txt").write_text("# header\npyyaml==6.0.4\ntritonclient==2.73.0\ngrpcio==1.85.3\n")
    monkeypatch.setattr(pins, "ROOT", tmp_path)
    return pins.PinSet(("req.txt",), "cons.txt")


GOOD = (("PyYAML", "6.0.4", FILES + "pyyaml.whl"), ("tritonclient", "2.73.0", FILES + "t.whl"),
        ("grpcio", "1.85.3", FILES + "g.whl"))


def test_a_complete_resolution_from_pypi_has_no_problems(tiny_set):
    assert pins.problems(tiny_set, _report(*GOOD), on_pinned_platform=True) == []


def test_a_local_build_or_a_file_index_is_reported(tiny_set):
    report = _report(GOOD[0], GOOD[1], ("grpcio", "1.85.3", "file:///opt/wheels/grpcio.whl"))
    assert pins.problems(tiny_set, report, True) == [
        "grpcio 1.85.3 would come from file:///opt/wheels/grpcio.whl, not from PyPI"]


def test_a_top_level_pin_resolving_elsewhere_is_reported(tiny_set):
    report = _report(("PyYAML", "6.0.3", FILES + "y.whl"), *GOOD[1:])
    assert pins.problems(tiny_set, report, True) == [
        "req.txt: pyyaml==6.0.4 resolved to 6.0.3",
        "cons.txt: pyyaml resolves to 6.0.3 but is pinned to 6.0.4"]


def test_an_unpinned_transitive_package_and_a_stale_pin_are_reported(tiny_set):
    report = _report(*GOOD[:2], ("protobuf", "6.33.6", FILES + "p.whl"))
    assert pins.problems(tiny_set, report, True) == [
        "cons.txt: protobuf resolves to 6.33.6 but is pinned nowhere",
        "cons.txt: grpcio==1.85.3 is not part of the resolution (stale pin)"]
    # off the platform the constraints were resolved for, an unused pin may be a platform-only dependency
    assert pins.problems(tiny_set, report, False) == ["cons.txt: protobuf resolves to 6.33.6 but is pinned nowhere"]


def test_an_unpinned_requirement_is_refused(tmp_path):
    (tmp_path / "req.txt").write_text("torch>=2.13\n")
    with pytest.raises(SystemExit, match=r"req.txt: 'torch>=2.13' is not pinned"):
        pins.pins(tmp_path / "req.txt")


def test_the_requirement_files_pin_the_cpu_capable_torch_without_a_local_version():
    models = pins.pins(ROOT / "requirements-models.txt")
    assert models["torch"] == "2.13.0"  # `==2.13.0` also takes 2.13.0+cpu where PyTorch's CPU index offers it
    assert pins.pins(ROOT / "constraints.txt")["torch"] == "2.13.0"
    program = pins.pins(ROOT / "requirements.txt")
    assert set(program) == {"pulumi", "pulumi-kubernetes", "pulumi-aws", "pulumi-tls", "pyyaml",
                            "kubernetes-validate", "jsonschema"}
