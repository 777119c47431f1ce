"""Every helm.v3.Release either stack renders, held against the chart's sources at its pinned version.

Reference data: `../shared/charts/<chart>-<version>/` (the chart at its tag: templates, files, values, schema) and
Karmada's repository index (`karmada-index.yaml`), see that folder's README. `$PLATFORM_CHARTS_DIR` names another
folder. For each release:
(a) every value path it sets is read by the chart at that version: some file under `templates/` or `files/` (or a
    bundled subchart's, by its alias) references `.Values.<path>`, or a parent of it not followed by a field access
    (passed whole: `toYaml`, `with`, `include ... (dict ...)`, `tpl`); Istio's `_internal_defaults_do_not_set`
    defaults are un-nested; a chart's `values.schema.json` must accept the values (Helm enforces it at install);
(b) where the chart's repository has a reference index, the pinned version is listed there, or the chart is pulled
    as an archive at the URL the index uses for every version it lists;
(c) every image map in the chart's values.yaml that runs with these values (registry+repository+tag for bitnami-style
    maps, repository+tag, image+tag, hub+tag) is set by the release to a non-empty repository and a tag that is
    not `latest`.
A release whose chart and version have no reference data fails, naming the folder to add.

The stacks are rendered here with the mocks' inputs kept unredacted (their "secrets" are placeholders): the Karmada
releases' values are one Pulumi secret, and the checks need installMode and the image tags inside.
"""
from __future__ import annotations

import copy
import io
import json
import os
import re
import tarfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import jsonschema
import pytest
import yaml

from components import versions
from components.versions import Chart
from stacks.__main__ import render_stack
from stacks.render import HELM_RELEASE
from tests.registrations import record_registrations

ENV_VAR = "PLATFORM_CHARTS_DIR"
DEFAULT_CHARTS_DIR = Path(__file__).resolve().parents[2] / "shared" / "charts"
# Repository URL → its reference index under the charts folder.
KARMADA_CHART_REPO = "https://raw.githubusercontent.com/karmada-io/karmada/master/charts"
INDEXES = {KARMADA_CHART_REPO: "karmada-index.yaml"}
ISTIO_NESTING = "_internal_defaults_do_not_set"

Values = Mapping[str, Any]
Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Runs:
    """An image map (or subchart) that runs only when `when(values)` holds for the merged values."""

    path: Path_
    when: Callable[[Values], bool]
    why: str


def _get(values: Values, *path: str, default: Any = None) -> Any:
    node: Any = values
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return default
        node = node[key]
    return node


def _host(values: Values) -> bool:
    return _get(values, "installMode") == "host"


def _component(name: str) -> Callable[[Values], bool]:
    return lambda v: _host(v) and name in (_get(v, "components") or [])


# What the chart at its pinned version runs only under a condition (read in its templates at that version).
CONDITIONAL = {
    # karmada v1.18.2: templates/karmada-agent.yaml renders only in agent mode; every other workload and job only in
    # host mode (their first line); estimator, descheduler and search only when listed in `components`; etcd
    # (templates/etcd.yaml) only with etcd.mode internal.
    "karmada": [Runs(("agent", "image"), lambda v: _get(v, "installMode") == "agent", "agent mode only"),
                *[Runs((c, "image"), _host, "host mode only") for c in (
                    "scheduler", "webhook", "controllerManager", "aggregatedApiServer", "metricsAdapter",
                    "apiServer", "kubeControllerManager", "kubectl", "cfssl")],
                Runs(("etcd", "internal", "image"), lambda v: _host(v) and _get(v, "etcd", "mode") == "internal",
                     "internal etcd in host mode only"),
                Runs(("schedulerEstimator", "image"), _component("schedulerEstimator"), "listed component only"),
                Runs(("descheduler", "image"), _component("descheduler"), "listed component only"),
                Runs(("search", "image"), _component("search"), "listed component only")],
    # kserve v0.20.0: templates/kserve/resources.yaml renders the LocalModel controller and node agent only with
    # kserve.localmodel.enabled.
    "kserve-resources": [Runs(("kserve", "localmodel", "controller"), lambda v: bool(_get(v, "kserve", "localmodel",
                                                                                          "enabled")),
                              "kserve.localmodel.enabled only"),
                         Runs(("kserve", "localmodel", "agent"), lambda v: bool(_get(v, "kserve", "localmodel",
                                                                                     "enabled")),
                              "kserve.localmodel.enabled only")],
}
# Bundled subcharts whose images the platform does not pin: they must not run (Chart.yaml `condition`: Helm takes
# the first path that is set). nvidia-device-plugin 0.17.1: node-feature-discovery, `nfd.enabled,gfd.enabled`.
SUBCHARTS_OFF = {"nvidia-device-plugin": [Runs(("nfd",), lambda v: bool(
    _get(v, "nfd", "enabled") if _get(v, "nfd", "enabled") is not None else _get(v, "gfd", "enabled")),
    "node-feature-discovery (condition nfd.enabled,gfd.enabled)")]}
# Whole image references outside image maps.
IMAGE_REFERENCES = {"kserve-resources": [("kserve", "controller", "rbacProxyImage")]}
# Values read by a dependency that is fetched at packaging time and not in the chart's git sources (see README).
READ_ELSEWHERE = {"karmada": {("global", "imageRegistry"): "bitnami common.images.image",
                              ("global", "imagePullSecrets"): "bitnami common.images.pullSecrets"}}


# -- reference data ----------------------------------------------------------------------------------------------

def charts_dir() -> Path:
    """$PLATFORM_CHARTS_DIR when set, else ../shared/charts. Without reference data the check fails (as the render
    does without CRDs): a chart the stacks install must be checked, not skipped."""
    env = os.environ.get(ENV_VAR)
    candidate = Path(env) if env else DEFAULT_CHARTS_DIR
    if candidate.is_dir():
        return candidate
    pytest.fail(f"no chart reference data at {candidate}: put the pinned charts' sources there (the project's "
                f"shared/charts folder beside the checkout) or name the folder in ${ENV_VAR}")


@dataclass
class ChartSources:
    name: str
    values: dict
    texts: list[str]
    subcharts: dict[str, "ChartSources"] = field(default_factory=dict)
    schema: Optional[dict] = None


def _unnest(values: dict) -> dict:
    if isinstance(values.get(ISTIO_NESTING), dict):
        rest = {k: v for k, v in values.items() if k != ISTIO_NESTING}
        return _merge(values[ISTIO_NESTING], rest)
    return values


def _texts_from_tgz(data: bytes) -> tuple[dict, list[str]]:
    values, texts = {}, []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if not member.isfile() or len(parts) < 3:
                continue
            content = tar.extractfile(member).read().decode("utf-8", "replace")
            if parts[1] in ("templates", "files"):
                texts.append(content)
            elif parts[1:] == ["values.yaml"]:
                values = yaml.safe_load(content) or {}
    return values, texts


@lru_cache(maxsize=None)
def load_chart(folder: Path) -> ChartSources:
    texts = [p.read_text(errors="replace") for sub in ("templates", "files") if (folder / sub).is_dir()
             for p in sorted((folder / sub).rglob("*")) if p.is_file()]
    meta = yaml.safe_load((folder / "Chart.yaml").read_text())
    values = _unnest(yaml.safe_load((folder / "values.yaml").read_text()) or {})
    schema_file = folder / "values.schema.json"
    chart = ChartSources(meta["name"], values, texts,
                         schema=json.loads(schema_file.read_text()) if schema_file.is_file() else None)
    for dep in meta.get("dependencies") or []:
        packed = sorted((folder / "charts").glob(f"{dep['name']}*.tgz")) if (folder / "charts").is_dir() else []
        if packed:
            sub_values, sub_texts = _texts_from_tgz(packed[0].read_bytes())
            chart.subcharts[dep.get("alias") or dep["name"]] = ChartSources(dep["name"], sub_values, sub_texts)
    return chart


def chart_folder(chart: Chart, root: Path) -> Path:
    folder = root / f"{chart.name}-{chart.version}"
    if not folder.is_dir():
        pytest.fail(f"no reference data for chart {chart.name} {chart.version}: add {folder} (the chart's sources at "
                    f"its tag: Chart.yaml, values.yaml, templates/, files/; see {root / 'README.md'})")
    return folder


# -- the checks (pure: the negative tests below call them with fake releases) -----------------------------------

def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        out = dict(copy.deepcopy(base))
        for key, value in over.items():
            out[key] = _merge(out.get(key), value) if key in out else copy.deepcopy(value)
        return out
    return copy.deepcopy(over)


def leaf_paths(values: Values, prefix: Path_ = ()) -> list[Path_]:
    out: list[Path_] = []
    for key, value in values.items():
        path = prefix + (str(key),)
        if isinstance(value, Mapping) and value:
            out += leaf_paths(value, path)
        else:
            out.append(path)
    return out


_VALUES_REF = re.compile(r"\.Values\.(\w+(?:\.\w+)*)")


@lru_cache(maxsize=None)
def _references(texts: tuple[str, ...]) -> frozenset[str]:
    """Every `.Values.a.b` path the texts reference (also `$.Values.a.b`), with its field accesses."""
    return frozenset(m.group(1) for text in texts for m in _VALUES_REF.finditer(text))


def _referenced(path: Path_, texts: list[str], whole: bool) -> bool:
    """`path` is referenced (deeper accesses count), or, with `whole`, referenced with no field access after it
    (a parent passed whole: toYaml, with, include ... (dict ...), tpl)."""
    dotted, refs = ".".join(path), _references(tuple(texts))
    return dotted in refs if whole else any(r == dotted or r.startswith(dotted + ".") for r in refs)


def unread_paths(chart: ChartSources, values: Values) -> list[str]:
    """Value paths the release sets that nothing in the chart (or the subchart they go to) reads."""
    elsewhere = READ_ELSEWHERE.get(chart.name, {})
    problems = []
    for path in leaf_paths(values):
        if path[0] == ISTIO_NESTING:  # the chart's defaults slot: set the un-nested path instead
            problems.append(".".join(path))
            continue
        target, rel = chart, path
        if path[0] in chart.subcharts and len(path) > 1:
            target, rel = chart.subcharts[path[0]], path[1:]
        if path in elsewhere:
            continue
        if _referenced(rel, target.texts, whole=False):
            continue
        if any(_referenced(rel[:i], target.texts, whole=True) for i in range(len(rel) - 1, 0, -1)):
            continue
        problems.append(".".join(path))
    return problems


def schema_problems(chart: ChartSources, values: Values) -> list[str]:
    if chart.schema is None:
        return []
    # Both schemas here use `$defs` (draft 2019-09 and later); gateway's `$schema` names no draft.
    validator = jsonschema.Draft202012Validator(chart.schema)
    return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(_merge(chart.values, values))]


def _index_entries(root: Path, repo: str) -> Optional[list[dict]]:
    name = INDEXES.get(repo)
    if name is None:
        return None
    index = yaml.safe_load((root / name).read_text())
    return [entry for entries in index.get("entries", {}).values() for entry in entries]


def index_problem(chart: Chart, chart_ref: str, root: Path) -> Optional[str]:
    """Why the pinned version cannot be pulled from where the release pulls it, per the reference index."""
    entries = _index_entries(root, chart.repo)
    if entries is None:
        return None
    mine = [e for e in entries if e.get("name") == chart.name]
    if chart_ref == chart.name:  # through the repository's index
        listed = [e["version"] for e in mine]
        if chart.version not in listed:
            return (f"{chart.name} {chart.version} is not in the index of {chart.repo} ({INDEXES[chart.repo]} lists "
                    f"{', '.join(listed[:3])}, ...): pin a listed version or pull the release archive")
        return None
    forms = {url.replace(e["version"], "{v}") for e in mine for url in e.get("urls", [])}
    if len(forms) != 1 or chart_ref != next(iter(forms)).replace("{v}", chart.version):
        return (f"{chart_ref} is not the archive URL form the index of {chart.repo} uses for every version "
                f"({', '.join(sorted(forms))})")
    return None


def image_maps(values: Values, prefix: Path_ = ()) -> list[tuple[Path_, tuple[str, ...]]]:
    """(path, keys the platform must set) for every image map in a chart's default values."""
    found = []
    for key, value in values.items():
        if not isinstance(value, Mapping):
            continue
        path = prefix + (str(key),)
        if "repository" in value:
            found.append((path, (("registry",) if "registry" in value else ()) + ("repository", "tag")))
        elif "hub" in value and "tag" in value:
            found.append((path, ("hub", "tag")))
        elif isinstance(value.get("image"), str) and "tag" in value:
            found.append((path, ("image", "tag")))
        found += image_maps(value, path)
    # A chart's root map (istiod: hub, tag, image) is an image map too.
    if not prefix and "hub" in values and "tag" in values:
        found.append(((), ("hub", "tag")))
    return found


def unpinned_images(chart: ChartSources, values: Values) -> list[str]:
    merged = _merge(chart.values, values)
    conditions = {r.path: r for r in CONDITIONAL.get(chart.name, [])}
    problems = []
    for path, keys in image_maps(chart.values):
        rule = conditions.get(path)
        if rule is not None and not rule.when(merged):
            continue
        where = ".".join(path) or "(root)"
        for key in keys:
            value = _get(values, *path, key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{where}.{key} is not set by the platform (chart default: "
                                f"{_get(chart.values, *path, key)!r})")
            elif key == "tag" and value == "latest":
                problems.append(f"{where}.tag is 'latest'")
    for path in IMAGE_REFERENCES.get(chart.name, []):
        value = _get(values, *path)
        if not isinstance(value, str) or ":" not in value.rsplit("/", 1)[-1] or value.endswith(":latest"):
            problems.append(f"{'.'.join(path)} is not set to a reference with a tag (got {value!r})")
    for rule in SUBCHARTS_OFF.get(chart.name, []):
        if rule.when(merged):
            problems.append(f"subchart {'.'.join(rule.path)} runs ({rule.why}) and its images are not pinned")
    return problems


def pinned_chart(inputs: Mapping[str, Any]) -> Optional[Chart]:
    """The components.versions Chart this release installs (same chart reference, version and repository)."""
    repo = (inputs.get("repositoryOpts") or {}).get("repo")
    for chart in vars(versions).values():
        if not isinstance(chart, Chart):
            continue
        source = chart.release_source()
        source_repo = source["repository_opts"].repo if "repository_opts" in source else None
        if (source["chart"], source["version"], source_repo) == (inputs.get("chart"), inputs.get("version"), repo):
            return chart
    return None


# -- the rendered stacks -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def releases() -> dict[str, dict]:
    """{release resource name: its inputs, secrets unwrapped} for both stacks."""
    with pytest.MonkeyPatch.context() as mp:
        recorded = record_registrations(mp)
        render_stack("private")
        render_stack("public")
    prefix = f"{HELM_RELEASE}::"
    return {key[len(prefix):]: inputs for key, inputs in recorded.items() if key.startswith(prefix)}


def test_both_stacks_render_the_releases_checked_here(releases, private_render, public_render):
    rendered = {r.name for r in private_render.of_type(HELM_RELEASE) + public_render.of_type(HELM_RELEASE)}
    assert rendered == set(releases)
    assert {"kserve-kserve", "karmada-release", "aws-use1-karmada-agent-release",
            "aws-use1-addons-cluster-autoscaler", "aws-use1-east-west-release"} <= rendered


def test_every_release_installs_a_pinned_chart_with_reference_data(releases):
    root = charts_dir()
    for name, inputs in releases.items():
        chart = pinned_chart(inputs)
        assert chart is not None, f"{name}: {inputs.get('chart')} {inputs.get('version')} is not a Chart in " \
                                  "components/versions.py"
        chart_folder(chart, root)


def test_every_value_a_release_sets_is_read_by_the_chart(releases):
    root = charts_dir()
    problems = {}
    for name, inputs in releases.items():
        chart = load_chart(chart_folder(pinned_chart(inputs), root))
        found = unread_paths(chart, inputs.get("values") or {}) + schema_problems(chart, inputs.get("values") or {})
        if found:
            problems[name] = found
    assert problems == {}


def test_every_pinned_version_is_served_where_it_is_pulled_from(releases):
    root = charts_dir()
    problems = {name: index_problem(pinned_chart(inputs), inputs["chart"], root) for name, inputs in releases.items()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_every_image_a_chart_runs_is_pinned_by_the_platform(releases):
    root = charts_dir()
    problems = {}
    for name, inputs in releases.items():
        chart = load_chart(chart_folder(pinned_chart(inputs), root))
        found = unpinned_images(chart, inputs.get("values") or {})
        if found:
            problems[name] = found
    assert problems == {}


# -- the checker catches what it should (fake releases) ----------------------------------------------------------

def _chart(name: str) -> ChartSources:
    chart = next(c for c in vars(versions).values() if isinstance(c, Chart) and c.name == name)
    return load_chart(chart_folder(chart, charts_dir()))


def test_checker_flags_an_unread_key_and_accepts_what_the_chart_reads():
    kserve = _chart("kserve-resources")
    # The defect-1 shape: top-level inferenceServiceConfig.* is not read by kserve-resources v0.20.0.
    assert unread_paths(kserve, {"inferenceServiceConfig": {"deploy": {"defaultDeploymentMode": "Knative"}}}) == [
        "inferenceServiceConfig.deploy.defaultDeploymentMode"]
    assert unread_paths(kserve, {"kserve": {"controller": {"deploymentMode": "Knative", "gatewayy": {"domain": "x"}},
                                            "storage": {"s3": {"endpoint": "https://s3"}}}}) == [
        "kserve.controller.gatewayy.domain"]
    # Passed whole: karmada's image maps go to common.images.image through `include ... (dict ...)`.
    assert unread_paths(_chart("karmada"), {"kubectl": {"image": {"registry": "r", "repository": "x", "tag": "1"}},
                                            "apiServer": {"resources": {"limits": {"cpu": "1"}}}}) == []
    # Istio: the un-nested path is the one to set; the nested one is not read.
    istiod = _chart("istiod")
    assert unread_paths(istiod, {"meshConfig": {"accessLogFile": "/dev/stdout"}}) == []
    assert unread_paths(istiod, {ISTIO_NESTING: {"meshConfig": {"accessLogFile": "/dev/stdout"}}}) == [
        f"{ISTIO_NESTING}.meshConfig.accessLogFile"]
    # Subcharts by alias: nfd.* is read by node-feature-discovery, not by the device plugin's own templates.
    nvidia = _chart("nvidia-device-plugin")
    assert unread_paths(nvidia, {"nfd": {"master": {"replicaCount": 1}}}) == []
    assert unread_paths(nvidia, {"nfd": {"notAKey": 1}}) == ["nfd.notAKey"]


def test_checker_flags_a_value_the_chart_schema_rejects():
    problems = schema_problems(_chart("cert-manager"), {"crds": {"enabled": True, "bogus": 1}})
    assert len(problems) == 1 and problems[0].startswith("crds:")


def test_checker_flags_an_unindexed_version_and_a_wrong_archive_url(tmp_path):
    root = charts_dir()
    old = Chart("karmada", "v1.18.2", KARMADA_CHART_REPO)  # the defect-2 pin: through the index, unlisted
    assert "not in the index" in index_problem(old, "karmada", root)
    assert index_problem(Chart("karmada", "v1.18.1", KARMADA_CHART_REPO), "karmada", root) is None
    url = "https://github.com/karmada-io/karmada/releases/download/v1.18.2/karmada-chart-v1.18.2.tgz"
    assert index_problem(Chart("karmada", "v1.18.2", KARMADA_CHART_REPO, archive=url), url, root) is None
    wrong = "https://github.com/karmada-io/karmada/releases/download/v1.18.2/karmada-v1.18.2.tgz"
    assert "archive URL form" in index_problem(Chart("karmada", "v1.18.2", KARMADA_CHART_REPO, archive=wrong),
                                               wrong, root)
    # No reference index for the repository: nothing to check.
    assert index_problem(Chart("x", "1.0.0", "https://charts.example.com"), "x", root) is None


def test_checker_flags_unpinned_images():
    karmada = _chart("karmada")
    # The defect-3 shape: only the tag set, the repository left at the chart's bitnamisecure default.
    problems = unpinned_images(karmada, {"installMode": "agent", "agent": {"image": {"tag": "v1.18.2"}}})
    assert problems == ["agent.image.registry is not set by the platform (chart default: 'docker.io')",
                        "agent.image.repository is not set by the platform (chart default: 'karmada/karmada-agent')"]
    agent = {"registry": "docker.io", "repository": "karmada/karmada-agent", "tag": "latest"}
    assert unpinned_images(karmada, {"installMode": "agent", "agent": {"image": agent}}) == [
        "agent.image.tag is 'latest'"]
    assert unpinned_images(karmada, {"installMode": "agent", "agent": {"image": {**agent, "tag": "v1.18.2"}}}) == []
    # Host mode runs the jobs: the kubectl image needs its repository too.
    host = unpinned_images(karmada, {"installMode": "host"})
    assert "kubectl.image.repository is not set by the platform (chart default: 'bitnamisecure/kubectl')" in host
    assert not any(p.startswith("agent.") for p in host)
    # image + tag maps, hub + tag maps and whole references.
    assert "kserve.controller.rbacProxyImage is not set to a reference with a tag (got None)" in unpinned_images(
        _chart("kserve-resources"), {})
    assert set(unpinned_images(_chart("istiod"), {"global": {"hub": "docker.io/istio", "tag": "1.30.3"}})) == {
        "(root).hub is not set by the platform (chart default: '')",
        "(root).tag is not set by the platform (chart default: '')"}
    # A bundled subchart that would run.
    assert unpinned_images(_chart("nvidia-device-plugin"), {
        "image": {"repository": "nvcr.io/nvidia/k8s-device-plugin", "tag": "v0.17.1"}, "gfd": {"enabled": True}}) == [
        "subchart nfd runs (node-feature-discovery (condition nfd.enabled,gfd.enabled)) and its images are not pinned"]


def test_a_chart_without_reference_data_fails_saying_what_to_add(tmp_path):
    with pytest.raises(pytest.fail.Exception,
                       match=r"no reference data for chart karmada v9\.9\.9: add .*karmada-v9\.9\.9"):
        chart_folder(Chart("karmada", "v9.9.9", KARMADA_CHART_REPO), tmp_path)
