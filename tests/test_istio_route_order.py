"""Istio 1.30 route order: every VirtualService the platform renders that shares a host with KServe's or Knative's own
VirtualServices must not be sorted behind them, so the platform's route (mirror, A/B header pin) takes effect.

How Istio 1.30.3 builds the routes for one host (read with `git show 1.30.3:<path>` in istio/istio):
- VirtualServices are listed oldest first (pilot/pkg/model/virtualservice_controller.go line 134,
  sortConfigByCreationTime).
- On a gateway, every VirtualService for the host contributes its routes in that order (pilot/pkg/networking/core/
  gateway.go lines 439-491); a route's `match` entries each become one Envoy route, kept only if the entry's
  `gateways` names this gateway (route/route.go `sourceMatchHTTP`, lines 447-464); a route without `match` is one
  catch-all route and ends its VirtualService (route.go lines 414-437). Then every catch-all route moves behind
  all the others (gateway.go line 560; route.go `SortVHostRoutes` / `IsCatchAllRoute`, lines 1621-1649): catch-all
  = no header, query or metadata matcher and a path of prefix `/` or regex `.*`. `authority`, `method` and `scheme`
  become header matchers (route.go `TranslateRouteMatch`, lines 1059-1130).
- On a sidecar (the `mesh` gateway), the first VirtualService for a host takes the host; later ones add nothing
  (pilot/pkg/networking/core/httproute.go lines 408-420).

The upstream routes modelled here, as the pinned sources write them:
- KServe v0.20.0, for an InferenceService in Knative mode: VirtualService `<name>`, host
  `<name>.<ns>.svc.cluster.local`, one route whose match is the host's authority regex on the local gateway and
  the mesh (pkg/controller/v1beta1/inferenceservice/reconcilers/ingress/ingress_reconciler.go lines 406-425,
  531-533, 570-594; pkg/constants/constants.go `HostRegExp` lines 880-893).
- Knative net-istio knative-v1.21.1 (the same file through knative-v1.21.3), for a Knative Service `<name>`: a
  route whose match is an authority *prefix* `<name>.<ns>` on its gateway (pkg/reconciler/ingress/resources/
  virtual_service.go `makeMatch`, lines 250-275, `hostPrefix` lines 279-285). KServe names a graph's Knative Service
  after the graph (pkg/controller/v1alpha1/inferencegraph/knative_reconciler.go line 197) and a predictor's
  `<name>-predictor`.
"""
from __future__ import annotations

import re

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.kserve.inference_service import InferenceServiceModel, InferenceServiceModelArgs
from models.registry import load_catalog
from stacks.private_config import ModelDeployment, read_private_config
from stacks.render import run_program

LOCAL_GATEWAY = "knative-serving/knative-local-gateway"
MESH = "mesh"
NS = "inference"
CATALOG = load_catalog()


# -- Istio's rules ------------------------------------------------------------------------------------------------


def is_catch_all(match: dict | None) -> bool:
    """route.go TranslateRouteMatch + IsCatchAllRoute (Istio 1.30.3)."""
    if match is None:
        return True
    if any(match.get(k) for k in ("headers", "withoutHeaders", "authority", "method", "scheme", "queryParams")):
        return False
    uri = match.get("uri")
    if uri is None:
        return True
    return uri.get("prefix") == "/" or uri.get("regex") == ".*"


def envoy_routes(virtual_services: list[dict], host: str, gateway: str) -> list[tuple[str, dict, dict | None]]:
    """(VirtualService name, HTTP route, the match entry) in the order Envoy tries them on `gateway` for `host`.
    `virtual_services` oldest first."""
    mine = [vs for vs in virtual_services if host in vs["spec"]["hosts"] and gateway in vs["spec"]["gateways"]]
    if gateway == MESH:
        mine = mine[:1]  # httproute.go lines 408-420: the oldest takes the host on sidecars
    out = []
    for vs in mine:
        ended = False
        for http in vs["spec"]["http"]:
            if not http.get("match"):
                out.append((vs["metadata"]["name"], http, None))
                ended = True
            else:
                for match in http["match"]:
                    if match.get("gateways") and gateway not in match["gateways"]:
                        continue
                    out.append((vs["metadata"]["name"], http, match))
                    if is_catch_all(match):
                        ended = True
                        break
            if ended:
                break
    if gateway == MESH:
        return out
    return [r for r in out if not is_catch_all(r[2])] + [r for r in out if is_catch_all(r[2])]


def _string_match(rule: dict, value: str) -> bool:
    if "exact" in rule:
        return value == rule["exact"]
    if "prefix" in rule:
        return value.startswith(rule["prefix"])
    return re.fullmatch(rule["regex"], value) is not None  # Envoy's safe_regex matches the whole value


def first_route(routes, authority: str, headers: dict[str, str]) -> tuple[str, dict]:
    for name, http, match in routes:
        if match is None:
            return name, http
        if "authority" in match and not _string_match(match["authority"], authority):
            continue
        if all(k in headers and _string_match(v, headers[k]) for k, v in match.get("headers", {}).items()):
            return name, http
    raise AssertionError("no route matches")


# -- KServe's and Knative's own VirtualServices -------------------------------------------------------------------


def kserve_virtual_service(name: str) -> dict:
    """KServe v0.20's VirtualService for a cluster-local InferenceService `name` in Knative mode (ingress_reconciler.go
    lines 406-425 and 570-594; the regex is HostRegExp's exact branch, constants.go line 887, written out)."""
    regex = "^" + re.sub(r"\.", r"\\.", f"{name}.{NS}.svc.cluster.local") + r"(?::\d{1,5})?$"
    return {"metadata": {"name": name}, "spec": {
        "hosts": [f"{name}.{NS}.svc.cluster.local"], "gateways": [LOCAL_GATEWAY, MESH],
        "http": [{"match": [{"authority": {"regex": regex}, "gateways": [LOCAL_GATEWAY, MESH]}],
                  "route": [{"destination": {"host": "knative-local-gateway.istio-system.svc.cluster.local"}}],
                  "headers": {"request": {"set": {"Host": f"{name}-predictor.{NS}.svc.cluster.local"}}}}]}}


def knative_virtual_services(ksvc: str) -> list[dict]:
    """net-istio's two VirtualServices for a cluster-local Knative Service: `-ingress` on the local gateway, `-mesh`
    on the mesh, each matching the authority prefix `<ksvc>.<ns>` (virtual_service.go lines 250-285)."""
    hosts = [f"{ksvc}.{NS}", f"{ksvc}.{NS}.svc", f"{ksvc}.{NS}.svc.cluster.local"]
    return [{"metadata": {"name": f"{ksvc}-{suffix}"}, "spec": {
        "hosts": hosts, "gateways": [gateway],
        "http": [{"match": [{"authority": {"prefix": f"{ksvc}.{NS}"}, "gateways": [gateway]}],
                  "route": [{"destination": {"host": f"{ksvc}-00001.{NS}.svc.cluster.local"}}]}]}}
        for suffix, gateway in (("ingress", LOCAL_GATEWAY), ("mesh", MESH))]


def upstream_virtual_services(objects: list[dict]) -> list[dict]:
    """What KServe and Knative create for the rendered KServe objects in Knative mode."""
    out = []
    for obj in objects:
        mode = obj["metadata"].get("annotations", {}).get("serving.kserve.io/deploymentMode")
        if mode != "Knative":
            continue
        if obj["kind"] == "InferenceService":
            out.append(kserve_virtual_service(obj["metadata"]["name"]))
            out += knative_virtual_services(f"{obj['metadata']['name']}-predictor")
        elif obj["kind"] == "InferenceGraph":
            out += knative_virtual_services(obj["metadata"]["name"])
    return out


# -- the rendered objects -----------------------------------------------------------------------------------------


def deployment(name: str, **settings) -> ModelDeployment:
    cfg = read_private_config({"phase": "kserve", "gpuPools": [{"gpuType": "t4"}, {"gpuType": "a10g"}],
                               "models": {name: settings}}, CATALOG)
    return cfg.models[0]


def render(*deps: ModelDeployment):
    def program():
        provider = k8s.Provider("private", context="test")
        for dep in deps:
            InferenceServiceModel(dep.name, InferenceServiceModelArgs(deployment=dep, namespace=NS),
                                  opts=pulumi.ResourceOptions(provider=provider))
    return run_program(program, stack="test", config={})


def shared_hosts(platform_vs: dict, upstream: list[dict]) -> set[str]:
    return {h for vs in upstream for h in vs["spec"]["hosts"]} & set(platform_vs["spec"]["hosts"])


@pytest.fixture(scope="module")
def variants():
    return {"mirror": render(deployment("search-ranker")), "ab": render(deployment("churn-predictor")),
            "mirror-triton": render(deployment("search-ranker", runtime="triton"))}


def _checked_virtual_services(render_result) -> list[tuple[dict, set[str]]]:
    objects = render_result.objects()
    upstream = upstream_virtual_services(objects)
    return [(vs, shared_hosts(vs, upstream)) for vs in objects if vs["kind"] == "VirtualService"]


def _assert_not_sorted_behind(vs: dict, hosts: set[str]) -> None:
    name = vs["metadata"]["name"]
    for host in hosts:
        for gateway in vs["spec"]["gateways"]:
            for http in vs["spec"]["http"]:
                entries = [m for m in http.get("match", [None]) if m is None or not m.get("gateways")
                           or gateway in m["gateways"]]
                assert entries, f"{name}: route {http.get('name')} has no match for gateway {gateway}"
                for match in entries:
                    assert not is_catch_all(match), f"{name}: route {http.get('name')} is a catch-all on {gateway}"
                    # and it matches every request for the host (with or without a port), as KServe's own does
                    assert _string_match(match["authority"], host), (name, host)
                    assert _string_match(match["authority"], f"{host}:80"), (name, host)


def test_every_platform_virtual_service_sharing_a_host_is_not_a_catch_all(variants, private_render):
    checked = []
    for r in (*variants.values(), private_render):
        for vs, hosts in _checked_virtual_services(r):
            if hosts:
                _assert_not_sorted_behind(vs, hosts)
                checked.append(vs["metadata"]["name"])
    # the mirror and the A/B header route, from the variants and from the example stack
    assert sorted(set(checked)) == ["churn-predictor-ab", "search-ranker-mirror"]
    assert len(checked) == 5


@pytest.mark.parametrize("authority", [f"search-ranker.{NS}.svc.cluster.local",
                                       f"search-ranker.{NS}.svc.cluster.local:80"])
def test_the_mirror_route_wins_on_the_local_gateway_and_on_sidecars(variants, authority):
    objects = variants["mirror"].objects()
    mirror = next(o for o in objects if o["kind"] == "VirtualService")
    upstream = upstream_virtual_services(objects)
    ordered = [mirror, *upstream]  # the InferenceService depends on the mirror route: the route is older
    host = f"search-ranker.{NS}.svc.cluster.local"
    for gateway in (LOCAL_GATEWAY, MESH):
        name, http = first_route(envoy_routes(ordered, host, gateway), authority, {})
        assert name == "search-ranker-mirror", gateway
        assert http["mirrorPercentage"] == {"value": 20}


def test_without_a_match_the_mirror_would_be_sorted_behind_kserves_route(variants):
    """The defect this guards against: a match-less route loses to KServe's on the gateway, whatever its age."""
    objects = variants["mirror"].objects()
    mirror = next(o for o in objects if o["kind"] == "VirtualService")
    bare = {**mirror, "spec": {**mirror["spec"], "http": [{k: v for k, v in r.items() if k != "match"}
                                                          for r in mirror["spec"]["http"]]}}
    routes = envoy_routes([bare, *upstream_virtual_services(objects)], f"search-ranker.{NS}.svc.cluster.local",
                          LOCAL_GATEWAY)
    assert first_route(routes, f"search-ranker.{NS}.svc.cluster.local", {})[0] == "search-ranker"


def test_ab_header_pins_to_b_and_the_rest_reaches_the_graph(variants):
    objects = variants["ab"].objects()
    ab = next(o for o in objects if o["kind"] == "VirtualService")
    host = f"churn-predictor.{NS}.svc.cluster.local"
    ordered = [ab, *upstream_virtual_services(objects)]  # the graph depends on the header route
    for gateway in (LOCAL_GATEWAY, MESH):
        routes = envoy_routes(ordered, host, gateway)
        name, http = first_route(routes, host, {"x-model-variant": "b"})
        assert (name, http["name"]) == ("churn-predictor-ab", "pinned-to-b")
        name, http = first_route(routes, host, {"x-model-variant": "a"})
        assert (name, http["name"]) == ("churn-predictor-ab", "weighted-split")


def test_istio_rules_as_read():
    assert is_catch_all(None) and is_catch_all({}) and is_catch_all({"uri": {"prefix": "/"}})
    assert is_catch_all({"uri": {"regex": ".*"}}) and is_catch_all({"gateways": [MESH]})
    assert not is_catch_all({"uri": {"prefix": "/v2"}}) and not is_catch_all({"uri": {"exact": "/"}})
    assert not is_catch_all({"authority": {"prefix": "a"}}) and not is_catch_all({"headers": {"x": {"exact": "1"}}})
    older = {"metadata": {"name": "old"}, "spec": {"hosts": ["h"], "gateways": [LOCAL_GATEWAY, MESH],
                                                   "http": [{"name": "all"}]}}
    newer = {"metadata": {"name": "new"}, "spec": {"hosts": ["h"], "gateways": [LOCAL_GATEWAY, MESH],
                                                   "http": [{"name": "m", "match": [{"authority": {"exact": "h"}}]}]}}
    assert first_route(envoy_routes([older, newer], "h", LOCAL_GATEWAY), "h", {})[0] == "new"  # sorted behind
    assert first_route(envoy_routes([older, newer], "h", MESH), "h", {})[0] == "old"  # sidecars: oldest wins
