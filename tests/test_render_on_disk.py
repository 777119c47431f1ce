"""What `python -m stacks render` writes, read back from disk: no secret in clear, and the resource options that
decide what `pulumi up` does to a resource recorded in resources.json.

The mocks answer with fixed fake credentials (stacks/fake_cloud.py: a private-key PEM, service-account tokens);
each one that reaches a file in clear — directly, base64-encoded, or base64 inside base64 (a kubeconfig in a
Secret) — is a secret the real render would write in clear too.
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml

from stacks.__main__ import main
from tests.conftest import render_scope

# The mock values (stacks/fake_cloud.py), written out: the private key and the token prefix.
FAKE_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nRkFLRQ==\n-----END PRIVATE KEY-----\n"
SECRET_MARKERS = ("PRIVATE KEY", "fake-service-account-token")
_B64 = re.compile(r"[A-Za-z0-9+/=\s]{16,}")


@pytest.fixture(scope=render_scope)
def rendered(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("render")
    dirs = {}
    for stack in ("private", "public"):
        with redirect_stdout(io.StringIO()):
            assert main(["render", stack, "--out", str(out / stack)]) == 0
        dirs[stack] = out / stack
    return dirs


def _strings(node, keys: bool = True):
    """Every string in a value, its mapping keys included unless `keys` is False (a redacted mapping keeps its
    keys: only its leaves must be redacted)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if keys:
                yield from _strings(k)
            yield from _strings(v, keys)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v, keys)
    elif isinstance(node, str):
        yield node


def _decodings(text: str, depth: int = 3):
    """`text` and what base64 inside it decodes to, recursively (a kubeconfig's key data inside a Secret)."""
    yield text
    if depth == 0:
        return
    for candidate in _B64.findall(text):
        try:
            decoded = base64.b64decode("".join(candidate.split()), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        yield from _decodings(decoded, depth - 1)


def _leaks(path: Path) -> list[str]:
    text = path.read_text()
    data = json.loads(text) if path.suffix == ".json" else list(yaml.safe_load_all(text))
    found = []
    for value in _strings(data):
        for plain in _decodings(value):
            for marker in SECRET_MARKERS:
                if marker in plain:
                    found.append(f"{path.name}: {marker!r} in {value[:80]!r}")
    return found


def test_the_render_wrote_the_files(rendered):
    names = sorted(p.relative_to(rendered["private"].parent).as_posix()
                   for d in rendered.values() for p in d.rglob("*") if p.is_file())
    assert names == ["private/manifests/karmada-provider.yaml", "private/manifests/private.yaml",
                     "private/releases/karmada-provider.yaml", "private/releases/private.yaml",
                     "private/resources.json", "public/manifests/aws-use1.yaml", "public/releases/aws-use1.yaml",
                     "public/resources.json"]


def test_no_secret_in_clear_in_any_file(rendered):
    leaks = [leak for d in rendered.values() for p in sorted(d.rglob("*")) if p.is_file() for leak in _leaks(p)]
    assert leaks == []


def test_the_leak_check_finds_a_secret_plain_base64_and_nested(tmp_path):
    """The check itself: the mock key in clear, base64-encoded, and inside a base64 kubeconfig."""
    key_b64 = base64.b64encode(FAKE_PRIVATE_KEY.encode()).decode()
    kubeconfig = f"users:\n- user:\n    client-key-data: {key_b64}\n"
    nested = base64.b64encode(kubeconfig.encode()).decode()
    for value in (FAKE_PRIVATE_KEY, key_b64, nested):
        path = tmp_path / "resources.json"
        path.write_text(json.dumps({"resources": [{"inputs": {"data": {"x": value}}}]}))
        assert _leaks(path), value
    path.write_text(json.dumps({"resources": [{"inputs": {"data": {"x": "[secret]"}}}]}))
    assert _leaks(path) == []


def _resources(rendered, stack) -> dict[str, dict]:
    data = json.loads((rendered[stack] / "resources.json").read_text())
    return {f"{r['type']}::{r['name']}": r for r in data["resources"]}


def _at(node, path: str):
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    return node


def test_secret_inputs_and_outputs_are_redacted_in_resources_json(rendered):
    for stack in ("private", "public"):
        data = json.loads((rendered[stack] / "resources.json").read_text())
        for r in data["resources"]:
            for path in r["secrets"]:
                value = _at(r["inputs"], path)
                assert set(_strings(value, keys=False)) <= {"[secret]"}, (stack, r["type"], r["name"], path)
    private = json.loads((rendered["private"] / "resources.json").read_text())["outputs"]
    assert private["karmadaCaCrt"] == "[secret]"
    assert private["karmadaAgentCredentials-aws-use1"] == "[secret]"


def test_the_secret_paths_recorded(rendered):
    """The inputs that hold key material are the ones marked secret (written out, not derived)."""
    private = _resources(rendered, "private")
    expected = {
        "tls:index/selfSignedCert:SelfSignedCert::karmada-ca": ["privateKeyPem"],
        "tls:index/certRequest:CertRequest::karmada-server-csr": ["privateKeyPem"],
        "tls:index/locallySignedCert:LocallySignedCert::karmada-server-cert": ["caCertPem", "caPrivateKeyPem"],
        "kubernetes:helm.sh/v3:Release::karmada-release": ["values"],
        "pulumi:providers:kubernetes::karmada-provider": ["kubeconfig"],
        "kubernetes:core/v1:Secret::private-member-karmada-secret": ["data"],
    }
    assert {key: sorted(private[key]["secrets"]) for key in expected} == expected
    public = _resources(rendered, "public")
    assert public["pulumi:providers:kubernetes::aws-use1"]["secrets"] == ["kubeconfig"]
    assert public["kubernetes:helm.sh/v3:Release::aws-use1-karmada-agent-release"]["secrets"] == ["values"]


def test_node_groups_ignore_desired_size_on_disk(rendered):
    """`pulumi up` must not reset what the cluster autoscaler scaled to."""
    public = _resources(rendered, "public")
    groups = {k: r["options"] for k, r in public.items() if k.startswith("aws:eks/nodeGroup:NodeGroup::")}
    assert groups == {f"aws:eks/nodeGroup:NodeGroup::aws-use1-{g}-nodegroup": {
        "ignore_changes": ["scalingConfig.desiredSize"]}
        for g in ("system", "t4-spot", "t4-ondemand", "a10g-spot", "l4-spot")}


def test_protect_and_retain_on_disk(rendered):
    private, public = _resources(rendered, "private"), _resources(rendered, "public")
    assert {k: private[k]["options"] for k in (
        "kubernetes:core/v1:Namespace::models-namespace", "kubernetes:core/v1:Namespace::karmada-models-namespace",
        "tls:index/privateKey:PrivateKey::karmada-ca-key", "tls:index/selfSignedCert:SelfSignedCert::karmada-ca",
        "kubernetes:helm.sh/v3:Release::karmada-release", "kubernetes:helm.sh/v3:Release::kserve-crds-kserve-crd",
        "kubernetes:helm.sh/v3:Release::karmada-kserve-kserve-crd")} == {
        "kubernetes:core/v1:Namespace::models-namespace": {"protect": True, "retain_on_delete": True},
        "kubernetes:core/v1:Namespace::karmada-models-namespace": {"protect": True, "retain_on_delete": True},
        "tls:index/privateKey:PrivateKey::karmada-ca-key": {"protect": True},
        "tls:index/selfSignedCert:SelfSignedCert::karmada-ca": {"protect": True},
        "kubernetes:helm.sh/v3:Release::karmada-release": {"protect": True},
        "kubernetes:helm.sh/v3:Release::kserve-crds-kserve-crd": {"retain_on_delete": True},
        "kubernetes:helm.sh/v3:Release::karmada-kserve-kserve-crd": {"retain_on_delete": True},
    }
    assert public["aws:eks/cluster:Cluster::aws-use1-cluster"]["options"] == {"protect": True}
    assert public["kubernetes:core/v1:Namespace::aws-use1-models-namespace"]["options"] == {
        "protect": True, "retain_on_delete": True}
    assert public["kubernetes:helm.sh/v3:Release::aws-use1-kserve-crds-kserve-crd"]["options"] == {
        "retain_on_delete": True}


def test_which_resources_carry_options_on_disk(rendered):
    """Every option other than the SDK's own type aliases, by resource: a new or lost one changes this list."""
    seen = {}
    for stack in ("private", "public"):
        for key, r in _resources(rendered, stack).items():
            options = {k: v for k, v in r.get("options", {}).items() if k != "aliases"}
            own_aliases = [a for a in r.get("options", {}).get("aliases", []) if set(a) != {"type"}]
            if own_aliases:
                options["aliases"] = own_aliases
            if options:
                seen[f"{stack} {key}"] = sorted(options)
    assert seen == {
        "private kubernetes:core/v1:Namespace::models-namespace": ["protect", "retain_on_delete"],
        "private kubernetes:helm.sh/v3:Release::kserve-crds-kserve-crd": ["retain_on_delete"],
        "private tls:index/privateKey:PrivateKey::karmada-ca-key": ["protect"],
        "private tls:index/selfSignedCert:SelfSignedCert::karmada-ca": ["protect"],
        "private kubernetes:helm.sh/v3:Release::karmada-release": ["protect"],
        "private kubernetes:helm.sh/v3:Release::karmada-kserve-kserve-crd": ["retain_on_delete"],
        "private kubernetes:core/v1:Namespace::karmada-models-namespace": ["protect", "retain_on_delete"],
        # the mesh root every cluster's intermediate chains to; istio-system holds cacerts, kept when the mesh goes
        "private tls:index/privateKey:PrivateKey::mesh-ca-root-key": ["protect"],
        "private tls:index/selfSignedCert:SelfSignedCert::mesh-ca-root": ["protect"],
        "private kubernetes:core/v1:Namespace::istio-system-namespace": ["retain_on_delete"],
        "public kubernetes:core/v1:Namespace::aws-use1-istio-system-namespace": ["retain_on_delete"],
        "public aws:eks/cluster:Cluster::aws-use1-cluster": ["protect"],
        "public aws:eks/nodeGroup:NodeGroup::aws-use1-system-nodegroup": ["ignore_changes"],
        "public aws:eks/nodeGroup:NodeGroup::aws-use1-t4-spot-nodegroup": ["ignore_changes"],
        "public aws:eks/nodeGroup:NodeGroup::aws-use1-t4-ondemand-nodegroup": ["ignore_changes"],
        "public aws:eks/nodeGroup:NodeGroup::aws-use1-a10g-spot-nodegroup": ["ignore_changes"],
        "public aws:eks/nodeGroup:NodeGroup::aws-use1-l4-spot-nodegroup": ["ignore_changes"],
        "public kubernetes:helm.sh/v3:Release::aws-use1-kserve-crds-kserve-crd": ["retain_on_delete"],
        "public kubernetes:core/v1:Namespace::aws-use1-models-namespace": ["protect", "retain_on_delete"],
    }


def test_kubernetes_type_aliases_recorded_on_disk(rendered):
    """The SDK's aliases to a kind's older API versions (so an API bump is no replacement) reach the file."""
    private = _resources(rendered, "private")
    assert private["kubernetes:apps/v1:Deployment::fx-pricer-deployment"]["options"] == {"aliases": [
        {"type": "kubernetes:apps/v1beta1:Deployment"}, {"type": "kubernetes:apps/v1beta2:Deployment"},
        {"type": "kubernetes:extensions/v1beta1:Deployment"}]}
    assert private["kubernetes:networking.k8s.io/v1:NetworkPolicy::fx-pricer-netpol"]["options"] == {"aliases": [
        {"type": "kubernetes:extensions/v1beta1:NetworkPolicy"}]}
