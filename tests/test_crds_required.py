"""Without the upstream CRDs the render stops, in one line saying what is missing and how to get it, unless
--allow-missing-crds asks to go on; then it says how many custom resources went unchecked."""
from __future__ import annotations

import pytest

from stacks import crd_schema
from stacks.__main__ import main as render_main
from stacks.render import Registered, Render
from stacks.validation import UNCHECKED_NO_CRDS, CRDsMissing, validate_render
from tests.crd_schema import crds_dir


def _render() -> Render:
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "inference"}, "data": {}},
        {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
         "metadata": {"name": "m", "namespace": "inference"},
         "spec": {"predictor": {"model": {"modelFormat": {"name": "pytorch"}, "storageUri": "s3://b/m"}}}},
        {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy",
         "metadata": {"name": "m", "namespace": "inference"},
         "spec": {"resourceSelectors": [{"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService"}]}},
    ]
    return Render(stack="test", outputs={}, resources=[
        Registered(type=f"kubernetes:x:{o['kind']}", name=o["kind"], cluster="private", inputs=o) for o in objects])


@pytest.fixture
def no_crd_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(crd_schema, "DEFAULT_CRDS_DIR", tmp_path / "absent")
    monkeypatch.delenv(crd_schema.ENV_VAR, raising=False)
    return tmp_path / "absent"


def test_without_a_crd_folder_validation_stops_naming_the_folder_and_the_remedies(no_crd_folder):
    with pytest.raises(CRDsMissing) as info:
        validate_render(_render())
    assert str(info.value) == (
        f"no CRD folder to validate 2 custom resources against: neither {no_crd_folder} nor $PLATFORM_CRDS_DIR is a "
        "folder; fetch the pinned upstream CRDs with `.ci/fetch-crds DIR` and set PLATFORM_CRDS_DIR=DIR, or pass "
        "--allow-missing-crds to render them unchecked")


def test_allowed_the_report_counts_what_went_unchecked(no_crd_folder):
    assert validate_render(_render(), allow_missing_crds=True) == (
        f"1 built-in (k8s 1.31 strict), 2 {UNCHECKED_NO_CRDS}")


def test_a_crd_folder_lacking_a_rendered_kind_stops_too(monkeypatch, tmp_path):
    (tmp_path / "kserve").mkdir()
    source = crds_dir() / "kserve" / "serving.kserve.io_inferenceservices.yaml"
    (tmp_path / "kserve" / source.name).write_text(source.read_text())
    monkeypatch.setattr(crd_schema, "DEFAULT_CRDS_DIR", tmp_path)
    with pytest.raises(CRDsMissing, match=rf"^no CRD under {tmp_path} defines policy.karmada.io/v1alpha1 "
                                          r"PropagationPolicy \(1 custom resources\); fetch the pinned upstream CRDs"):
        validate_render(_render())
    assert validate_render(_render(), allow_missing_crds=True) == (
        "1 built-in (k8s 1.31 strict), 1 custom resources (CRD schema, strict), "
        "1 unchecked policy.karmada.io/v1alpha1 PropagationPolicy (no CRD here)")


def test_with_the_crds_everything_is_checked():
    crds_dir()
    assert validate_render(_render()) == "1 built-in (k8s 1.31 strict), 2 custom resources (CRD schema, strict)"


def test_the_render_cli_exits_2_with_one_line_and_writes_nothing(no_crd_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert render_main(["render", "private", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: no CRD folder to validate ") and err.strip().endswith("; nothing written")
    assert not out.exists()


def test_the_render_cli_with_the_flag_writes_and_says_how_many_went_unchecked(no_crd_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert render_main(["render", "private", "--out", str(out), "--allow-missing-crds"]) == 0
    captured = capsys.readouterr()
    count = int(captured.err.split("warning: ")[1].split(" ")[0])
    assert count > 0
    assert captured.err == f"warning: {count} custom resources went unchecked: no CRD for them (--allow-missing-crds)\n"
    assert f"{count} {UNCHECKED_NO_CRDS}" in captured.out
    assert (out / "resources.json").exists()


def test_the_missing_kinds_are_counted_per_object(monkeypatch, tmp_path):
    (tmp_path / "kserve").mkdir()
    source = crds_dir() / "kserve" / "serving.kserve.io_inferenceservices.yaml"
    (tmp_path / "kserve" / source.name).write_text(source.read_text())
    monkeypatch.setattr(crd_schema, "DEFAULT_CRDS_DIR", tmp_path)
    render = _render()
    policy = render.resources[-1]
    second = {**policy.inputs, "metadata": {"name": "n", "namespace": "inference"}}
    render.resources.append(Registered(type=policy.type, name="second", cluster="private", inputs=second))
    with pytest.raises(CRDsMissing, match=rf"^no CRD under {tmp_path} defines policy.karmada.io/v1alpha1 "
                                          r"PropagationPolicy \(2 custom resources\);"):
        validate_render(render)
