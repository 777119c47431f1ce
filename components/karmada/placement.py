"""Where each model runs once it is served through Karmada: policies by phase and workload class, and the
per-cloud overrides public members need.

Placement (`plan_model_placement`, created on the Karmada API server by `ModelPlacement`):
- phase `kserve`, and `critical` models in phase `hybrid`: the private member only, replicas Duplicated (the
  InferenceService goes there unchanged). No application failover: there is nowhere else to go.
- `elastic` (hybrid): one affinity group, the private member, with an `overflowAffinities` tier of every public
  member with an on-demand pool that holds the model. Replicas Divided by the clusters' available replicas: the
  private tier takes what it can hold, the public tier the rest, recomputed from the private tier on every
  schedule, so fewer replicas empty the public tier first. Karmada counts available replicas from the nodes a
  member has now (it cannot see the cluster-autoscaler), so a public on-demand pool takes overflow only while
  it has a node: keep its minimum size at 1 or more (the member check refuses 0 for such a pool). What Karmada
  divides, and the bounds each member enforces, are the InferenceService interpreter's (GetReplicas /
  ReviseReplica). A model whose replicas may span clusters runs in Standard mode without a rollout, and its
  hostname Service `<model>` is propagated to every cluster of the group by a second policy, so the mesh
  merges the clusters' endpoints (README, Phase 3). Application failover on (InterpretHealth from the
  InferenceService interpreter) after 1,200 s unhealthy — longer than the autoscaler's 15 minutes to
  provision a node plus the model's start, so a replica waiting for its GPU node is not evicted — purge mode
  Gracefully.
- `batch` (hybrid): public members with a Spot pool that holds the model only, replicas Duplicated: each such
  member runs the model and scales it from zero with its own autoscaler. Not Divided: Karmada would divide by
  the GPU nodes that exist, and a Spot pool at zero nodes has none, so the model would never be scheduled. No
  application failover: every eligible member already runs it, and a member waiting for Spot capacity must not
  be evicted for it. Spot exists only as GPU pools, so a CPU batch model is refused. With `keep_private` (a
  phase 2 → 3 hand-over) the private member keeps its copy as well.
- Every policy has `propagateDeps`, so the Secrets, ServiceAccounts and ConfigMaps the InferenceService
  references follow it (and move with it on failover). A Standard-mode model's policy resolves conflicts by
  Overwrite, so Karmada takes over a Service `<model>` a Phase 1 hand-over left behind.

Overrides (one OverridePolicy per model, InferenceService only — every overrider applies to every selected
resource), one rule per public member the model may reach:
- the storage URI rewritten to the member's regional bucket mirror (`BucketMirror`, longest matching source
  prefix; none matching leaves the URI as is). A `pvc://` model cannot reach a public member at all: error.
- batch: the predictor's nodeSelector and tolerations replaced by the model's GPU selector and toleration plus
  Spot capacity (`eks.amazonaws.com/capacityType: SPOT` on AWS, `inference-platform.io/capacity: spot`
  elsewhere) and the Spot taint's toleration;
- labels `inference-platform.io/cloud` and `inference-platform.io/member` on the member's copy.

`RuntimePropagation`: a ClusterPropagationPolicy sending the KServe ClusterServingRuntimes to every member
(Duplicated), and a ClusterOverridePolicy pointing their images at a registry mirror per member
(`imageOverrider`, Registry replaced; runtimes are not a kind Karmada finds images in by itself, so the image
paths are given).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import pulumi
import pulumi_kubernetes as k8s

from components.options import child_options

from components.karmada import policies as p
from components.karmada.requirement import ModelRequirement
from components.scheduling import (CAPACITY_LABEL, EKS_CAPACITY_LABEL, CapacityType, gpu_node_selector,
                                   gpu_tolerations, spot_tolerations)
from components.kserve.inference_service import canary_split
from models.deployment import DeploymentMode, GpuPool, Member, ModelDeployment
from models.errors import PlatformError
from models.spec import ABTest, Canary, Mirror, Model, Phase, WorkloadClass

ISVC_API_VERSION = "serving.kserve.io/v1beta1"
ISVC_KIND = "InferenceService"
RUNTIME_API_VERSION = "serving.kserve.io/v1alpha1"
RUNTIME_KIND = "ClusterServingRuntime"
STORAGE_URI_PATH = "/spec/predictor/model/storageUri"
CANARY_STORAGE_URI_PATH = "/spec/canary/0/predictor/model/storageUri"
GRAPH_API_VERSION = "serving.kserve.io/v1alpha1"
GRAPH_KIND = "InferenceGraph"
MODEL_LABEL = "app.kubernetes.io/name"
NODE_SELECTOR_PATH = "/spec/predictor/nodeSelector"
TOLERATIONS_PATH = "/spec/predictor/tolerations"
RUNTIME_IMAGE_PATHS = ("/spec/containers/0/image",)
CLOUD_LABEL = "inference-platform.io/cloud"
MEMBER_LABEL = "inference-platform.io/member"
CLASS_LABEL = "inference-platform.io/workload-class"
POLICY_LABELS = {"app.kubernetes.io/part-of": "inference-platform", "app.kubernetes.io/managed-by": "pulumi"}
PRIVATE_GROUP = "private"
OVERFLOW_GROUP = "public-on-demand"

ELASTIC_FAILOVER = p.ApplicationFailover(toleration_seconds=1200, purge_mode=p.PurgeMode.GRACEFULLY,
                                         grace_period_seconds=600)


class PlacementError(PlatformError, ValueError):
    """A model that cannot be placed as declared (the message names the model and the reason)."""


class ModelPlacementError(PlacementError):
    """One model's declaration and the clusters on offer do not fit: names the field, the value and what was
    expected, so the stack reports it as a one-line config error for that model."""

    def __init__(self, model: str, field: str, value: object, expected: str):
        self.model, self.field, self.value, self.expected = model, field, value, expected
        super().__init__(f"model {model!r}: invalid {field} {value!r}: expected {expected}")


@dataclass(frozen=True)
class BucketMirror:
    """Objects under `source` (e.g. `s3://ml-artifacts`) are mirrored to `mirror` (e.g.
    `s3://ml-artifacts-eu-west-1`) for members of `cloud` in `region`."""

    source: str
    mirror: str
    region: str
    cloud: str = "aws"

    def __post_init__(self) -> None:
        for attr in ("source", "mirror"):
            value = getattr(self, attr)
            if not isinstance(value, str) or "://" not in value or value.endswith("://"):
                raise PlacementError(f"BucketMirror.{attr}: got {value!r}, expected a URI prefix such as "
                                     "'s3://bucket' or 's3://bucket/prefix'")
        if self.source.split("://", 1)[0] not in ("s3", "https", "pvc"):
            raise PlacementError(f"BucketMirror.source: got {self.source!r}, expected an s3:// or https:// prefix "
                                 "(the schemes model artifacts use)")
        if self.mirror.split("://", 1)[0] != self.source.split("://", 1)[0]:
            raise PlacementError(f"BucketMirror.mirror: got {self.mirror!r} for source {self.source!r}, expected the "
                                 "same scheme: a mirror holds the same objects, read the same way")
        if self.source.startswith("pvc://"):
            raise PlacementError(f"BucketMirror.source: got {self.source!r}; claims exist only on their own "
                                 "cluster and cannot be mirrored by prefix")

    def matches(self, uri: str) -> bool:
        src = self.source.rstrip("/")
        return uri == src or uri.startswith(src + "/")

    def rewrite(self, uri: str) -> str:
        return self.mirror.rstrip("/") + uri[len(self.source.rstrip("/")):]


@dataclass(frozen=True)
class ModelPlacementArgs:
    """Place `deployment` (its InferenceService is `<model name>` in `namespace` on the Karmada API server) on
    `private_cluster` (whose GPU nodes are `private_pools`) and the public `members`, by phase and workload
    class; `bucket_mirrors` rewrite the
    storage URI per public member. Failover for elastic models: `elastic_failover` (1,200 s unhealthy,
    Gracefully, 600 s grace). `keep_private`: a batch model keeps its private copy too (a phase 2 → 3 hand-over,
    stacks/handover.py: Karmada drops a cluster's copy as soon as the placement leaves it). `require_mirrors`: every
    s3:// URI a public member reads needs a mirror in the member's cloud and region (the bucket names an
    S3-compatible store on premises, not one in the member's cloud)."""

    deployment: ModelDeployment
    namespace: str
    private_cluster: str
    private_pools: tuple[GpuPool, ...] = ()
    members: tuple[Member, ...] = ()
    bucket_mirrors: tuple[BucketMirror, ...] = ()
    elastic_failover: p.ApplicationFailover = ELASTIC_FAILOVER
    keep_private: bool = False
    require_mirrors: bool = False


@dataclass(frozen=True)
class PlacementPlan:
    """The policies for one model, as plain objects, every cluster it may land on (private first), per public
    member what that member must host (`requirements`: requests, Spot, tolerations and the storage URIs its copy
    reads after the bucket-mirror rewrite), and for a model whose replicas may span clusters the policy
    that sends its hostname Service everywhere (`service_policy`)."""

    propagation_policy: dict
    override_policies: tuple[dict, ...]
    clusters: tuple[str, ...]
    requirements: Mapping[str, ModelRequirement] = field(default_factory=dict)
    service_policy: Optional[dict] = None

    @property
    def spans_clusters(self) -> bool:
        """Replicas may run on the private cluster and on public members at once (elastic overflow)."""
        return self.service_policy is not None


def _holds(member: Member, model: Model, *, spot: bool) -> bool:
    if not model.uses_gpu:
        return not spot  # CPU pods run on the member's on-demand system nodes
    return any(pool.holds(model) for pool in member.gpu_pools if (pool.capacity is CapacityType.SPOT) == spot)


def overflow_members(model: Model, members: tuple[Member, ...]) -> list[Member]:
    """Public members an elastic model may overflow to: an on-demand pool holds it (any member for CPU models);
    elastic pods do not tolerate the Spot taint."""
    return [m for m in members if _holds(m, model, spot=False)]


def spot_members(model: Model, members: tuple[Member, ...]) -> list[Member]:
    """Public members with a Spot GPU pool that holds the model (none for a CPU model)."""
    return [m for m in members if _holds(m, model, spot=True)]


def mirror_for(uri: str, member: Member, mirrors: tuple[BucketMirror, ...]) -> Optional[str]:
    """The member's mirrored URI for `uri` (longest matching source wins), or None."""
    found = [b for b in mirrors if b.cloud == member.cloud and b.region == member.region and b.matches(uri)]
    if not found:
        return None
    return max(found, key=lambda b: len(b.source.rstrip("/"))).rewrite(uri)


def spot_node_selector(model: Model, member: Member) -> dict[str, str]:
    selector = dict(gpu_node_selector(model.resources.gpu_type))
    if member.cloud == "aws":
        selector[EKS_CAPACITY_LABEL] = CapacityType.SPOT.eks_value
    else:
        selector[CAPACITY_LABEL] = CapacityType.SPOT.value
    return selector


def spot_pod_tolerations(model: Model) -> list[dict]:
    return (gpu_tolerations() if model.uses_gpu else []) + spot_tolerations()


def _isvc_selector(model: Model, namespace: str) -> p.ResourceSelector:
    return p.ResourceSelector(ISVC_API_VERSION, ISVC_KIND, name=model.name, namespace=namespace)


def _model_selectors(model: Model, namespace: str) -> tuple[p.ResourceSelector, ...]:
    """Everything the model's component creates on the Karmada API server, by its name label: the
    InferenceService(s) (`<model>`, A/B variants, a shadow), an A/B InferenceGraph, a Standard-mode Service."""
    labels = {MODEL_LABEL: model.name}
    return tuple(p.ResourceSelector(api, kind, namespace=namespace, match_labels=labels)
                 for api, kind in ((ISVC_API_VERSION, ISVC_KIND), (GRAPH_API_VERSION, GRAPH_KIND), ("v1", "Service")))


def served_uris(dep: ModelDeployment) -> dict[str, str]:
    """JSON pointer -> storage URI, for every artifact the model's main InferenceService serves as rendered."""
    stable, candidate, _ = canary_split(dep.model, dep.mode)
    if candidate is None:
        return {STORAGE_URI_PATH: stable}
    if dep.mode is DeploymentMode.KNATIVE:  # the predictor runs the candidate; KServe keeps the last revision
        return {STORAGE_URI_PATH: candidate}
    return {STORAGE_URI_PATH: stable, CANARY_STORAGE_URI_PATH: candidate}


def _gpu_text(model: Model) -> str:
    return f"{model.resources.gpu_count}x {model.resources.gpu_type.value}"


def _describe(pools: tuple[GpuPool, ...]) -> str:
    return ", ".join(f"{q.gpu_count}x {q.gpu_type.value} ({q.capacity.value})" for q in pools) or "no GPU pools"


def _placement(args: ModelPlacementArgs) -> tuple[p.Placement, Optional[p.ApplicationFailover], list[Member]]:
    """The workload-class rule, in one place: where a model may run, and whether anything there holds it."""
    dep, model, private = args.deployment, args.deployment.model, args.private_cluster
    only_private = p.Placement(affinity=p.ClusterAffinity((private,)),
                               replica_scheduling=p.ReplicaScheduling.duplicated())
    if dep.phase is Phase.TORCHSERVE:
        raise PlacementError(f"model {model.name!r}: phase 'torchserve' is served by a Deployment on the private "
                             "cluster, not through Karmada (no placement)")
    cls = model.workload_class
    private_fits = not model.uses_gpu or any(pool.holds(model) for pool in args.private_pools)
    if dep.phase is Phase.KSERVE or cls is WorkloadClass.CRITICAL:
        if not private_fits:
            raise ModelPlacementError(model.name, "resources.gpu", _gpu_text(model), "a GPU pool of the private "
                                      "cluster that holds it (platform:gpuPools offers "
                                      + _describe(args.private_pools) + ")")
        return only_private, None, []
    if cls is WorkloadClass.ELASTIC:
        public = overflow_members(model, args.members)
        if not public:
            if not private_fits:
                raise ModelPlacementError(model.name, "resources.gpu", _gpu_text(model), "an on-demand GPU pool "
                                          "that holds it, on the private cluster or a member (elastic work does "
                                          "not go to Spot)")
            return only_private, None, []
        # One group: the private cluster, and public on-demand members as an overflow tier. Karmada fills the
        # private tier up to its available replicas and gives the rest to the overflow tier, on every schedule
        # (karmada v1.18.2 pkg/scheduler/core/common.go assignWorkloadReplicas), so fewer replicas empty the
        # public tier first. Two ordered clusterAffinities would stick to the public group once used
        # (pkg/scheduler/scheduler.go scheduleResourceBindingWithClusterAffinities starts from
        # status.schedulerObservedAffinityName).
        group = p.AffinityGroup(PRIVATE_GROUP, p.ClusterAffinity((private,)), overflow=(
            p.OverflowGroup(OVERFLOW_GROUP, p.ClusterAffinity(tuple(m.name for m in public))),))
        placement = p.Placement(affinity_groups=(group,),
                                replica_scheduling=p.ReplicaScheduling.by_available_replicas())
        return placement, args.elastic_failover, public
    if not model.uses_gpu:
        raise ModelPlacementError(model.name, "workload_class", cls.value, "'elastic' or 'critical' for a CPU "
                                  "model: batch runs on public Spot capacity, which members offer only as GPU "
                                  "pools, so a CPU model would have no node to land on (or give it a GPU)")
    public = spot_members(model, args.members)
    if not public:
        raise ModelPlacementError(model.name, "workload_class", cls.value, f"a member with a Spot GPU pool holding "
                                  f"{_gpu_text(model)} (batch work runs on public Spot only); members: " +
                                  (", ".join(f"{m.name} offers {_describe(m.gpu_pools)}" for m in args.members)
                                   or "none"))
    keep = (private,) if args.keep_private else ()
    placement = p.Placement(affinity=p.ClusterAffinity((*keep, *(m.name for m in public))),
                            replica_scheduling=p.ReplicaScheduling.duplicated())
    return placement, None, public


def _check_public(dep: ModelDeployment, public: list[Member], spans: bool) -> None:
    """What a model that reaches public members cannot do (the members listed in each message)."""
    model = dep.model
    where = ", ".join(m.name for m in public)
    if model.storage_uri.startswith("pvc://"):
        raise ModelPlacementError(model.name, "storage_uri", model.storage_uri, "an s3:// or https:// URI: a claim "
                                  f"exists only on the private cluster, but class {model.workload_class.value!r} "
                                  f"places the model on public members ({where})")
    if isinstance(model.rollout, (ABTest, Mirror)) or (
            # A Knative canary at 0 % still runs the candidate as the predictor (rollback pins the previous
            # revision, components/kserve/inference_service.py canary_split), so it counts until promoted.
            isinstance(model.rollout, Canary) and model.rollout.traffic_percent < 100
            and (dep.mode is DeploymentMode.KNATIVE or (spans and model.rollout.traffic_percent > 0))):
        kind = type(model.rollout).__name__
        raise ModelPlacementError(model.name, "phase", dep.phase.value, f"'kserve' (or class 'critical') while its "
                                  f"{kind} runs: class {model.workload_class.value!r} at phase 'hybrid' may place it "
                                  f"on public members ({where}), and the rollout's traffic split is made by one "
                                  "cluster's routes (a Knative canary against the revision that cluster served "
                                  "before, which a new member does not have)")
    if spans and dep.mode is not DeploymentMode.STANDARD:
        raise ModelPlacementError(model.name, "deploymentMode", dep.mode.value, "'Standard' for a model whose "
                                  f"replicas may span the private cluster and public members ({where}): the mesh "
                                  "joins the clusters' endpoints of the Service of the same name, and Knative "
                                  "names its per-revision Services differently in each cluster")


def _requirement(dep: ModelDeployment, storage: tuple[str, ...]) -> ModelRequirement:
    model = dep.model
    batch = model.workload_class is WorkloadClass.BATCH
    tolerations = spot_pod_tolerations(model) if batch else (gpu_tolerations() if model.uses_gpu else [])
    return ModelRequirement(model=model.name, workload_class=model.workload_class,
                            gpu_type=model.resources.gpu_type,  # None without GPUs (models/spec.py refuses a type alone)
                            gpu_count=model.resources.gpu_count, cpu=model.resources.cpu,
                            memory=model.resources.memory, needs_spot=batch,
                            tolerations=tuple(tolerations), storage_uris=storage)


def _member_rule(args: ModelPlacementArgs, member: Member, mirrored: Mapping[str, Optional[str]]) -> p.OverrideRule:
    """`mirrored`: JSON pointer -> the member's mirror of the URI there (None: read as is)."""
    model = args.deployment.model
    plaintext = [p.PlaintextOverrider(path, p.OverrideOperator.REPLACE, uri)
                 for path, uri in mirrored.items() if uri is not None]
    if model.workload_class is WorkloadClass.BATCH:
        plaintext.append(p.PlaintextOverrider(NODE_SELECTOR_PATH, p.OverrideOperator.ADD,
                                              spot_node_selector(model, member)))
        plaintext.append(p.PlaintextOverrider(TOLERATIONS_PATH, p.OverrideOperator.ADD, spot_pod_tolerations(model)))
    labels = p.MetadataOverrider(p.OverrideOperator.ADD, {CLOUD_LABEL: member.cloud, MEMBER_LABEL: member.name})
    return p.OverrideRule(p.ClusterAffinity((member.name,)), p.Overriders(plaintext=tuple(plaintext),
                                                                          labels=(labels,)))


def plan_model_placement(args: ModelPlacementArgs) -> PlacementPlan:
    """The PropagationPolicy and OverridePolicies for one model (pure: no Pulumi resources)."""
    model = args.deployment.model
    placement, failover, public = _placement(args)
    spans = bool(public) and model.workload_class is WorkloadClass.ELASTIC
    if public:
        _check_public(args.deployment, public, spans)
    labels = {**POLICY_LABELS, CLASS_LABEL: model.workload_class.value}
    selector = _isvc_selector(model, args.namespace)
    selectors = _model_selectors(model, args.namespace)
    service_policy = None
    if spans:
        # The workload goes where the scheduler divides it; the hostname Service `<model>` must exist on every
        # cluster that may hold replicas so the mesh merges their endpoints under one name. Karmada sends
        # non-workloads only to a group's primary clusters, never to its overflow tiers (karmada v1.18.2
        # pkg/scheduler/framework/plugins/clusteraffinity/cluster_affinity.go), so the Service gets its own
        # policy, by name, duplicated everywhere; the main policy then selects the InferenceService only.
        selectors = (selector,)
        service_spec = p.PropagationSpec(
            resource_selectors=(p.ResourceSelector("v1", "Service", name=model.name, namespace=args.namespace),),
            placement=p.Placement(affinity=p.ClusterAffinity(placement.cluster_names()),
                                  replica_scheduling=p.ReplicaScheduling.duplicated()))
        service_policy = p.propagation_policy(f"{model.name}-service", args.namespace, service_spec, labels=labels)
    # Standard mode: Service `<model>` may already exist on the private member, retained from a Phase 1 hand-over
    # with the template's own spec (components/handover.py); Karmada takes it over only with Overwrite.
    spec = p.PropagationSpec(resource_selectors=selectors, placement=placement, propagate_deps=True,
                             failover=failover,
                             conflict_resolution=p.ConflictResolution.OVERWRITE
                             if args.deployment.mode is DeploymentMode.STANDARD else p.ConflictResolution.ABORT)
    propagation = p.propagation_policy(model.name, args.namespace, spec, labels=labels)
    uris = served_uris(args.deployment)
    mirrored = {m.name: {path: mirror_for(uri, m, args.bucket_mirrors) for path, uri in uris.items()} for m in public}
    if args.require_mirrors:
        for m in public:
            for path, uri in uris.items():
                if uri.startswith("s3://") and mirrored[m.name][path] is None:
                    raise ModelPlacementError(model.name, "storage_uri", uri, f"a platform:bucketMirrors entry for "
                                              f"{m.cloud} {m.region} covering it: the model may run on member "
                                              f"{m.name!r}, and with storage.s3Endpoint set its bucket lives on "
                                              "premises, not in the member's cloud")
    overrides: tuple[dict, ...] = ()
    if public:
        rules = tuple(_member_rule(args, m, mirrored[m.name]) for m in public)
        overrides = (p.override_policy(f"{model.name}-public", args.namespace, (selector,), rules, labels=labels),)
    requirements = {m.name: _requirement(args.deployment, tuple(mirrored[m.name][path] or uri
                                                                for path, uri in uris.items()))
                    for m in public}
    return PlacementPlan(propagation, overrides, placement.cluster_names(), requirements, service_policy)


@dataclass(frozen=True)
class RuntimePropagationArgs:
    """Send KServe's ClusterServingRuntimes (all, or `runtime_names`) to every cluster in `clusters`, Duplicated;
    on the clusters in `registry_mirrors` (cluster -> registry host) their images come from that registry.
    `conflict_resolution` Abort (default) leaves runtimes a member already has (e.g. installed by its KServe
    chart) alone; Overwrite lets Karmada take them over."""

    clusters: tuple[str, ...]
    runtime_names: tuple[str, ...] = ()
    registry_mirrors: Mapping[str, str] = field(default_factory=dict)
    image_paths: tuple[str, ...] = RUNTIME_IMAGE_PATHS
    conflict_resolution: p.ConflictResolution = p.ConflictResolution.ABORT
    policy_name: str = "kserve-cluster-serving-runtimes"


def plan_runtime_propagation(args: RuntimePropagationArgs) -> tuple[dict, Optional[dict]]:
    """(ClusterPropagationPolicy, ClusterOverridePolicy or None) for the runtimes (pure)."""
    if not args.clusters:
        raise PlacementError("RuntimePropagationArgs.clusters: at least one cluster")
    unknown = sorted(set(args.registry_mirrors) - set(args.clusters))
    if unknown:
        raise PlacementError(f"RuntimePropagationArgs.registry_mirrors: {unknown} are not among the clusters "
                             f"{list(args.clusters)}")
    selectors = (tuple(p.ResourceSelector(RUNTIME_API_VERSION, RUNTIME_KIND, name=n) for n in args.runtime_names)
                 or (p.ResourceSelector(RUNTIME_API_VERSION, RUNTIME_KIND),))
    spec = p.PropagationSpec(
        resource_selectors=selectors,
        placement=p.Placement(affinity=p.ClusterAffinity(tuple(args.clusters)),
                              replica_scheduling=p.ReplicaScheduling.duplicated()),
        conflict_resolution=args.conflict_resolution)
    propagation = p.cluster_propagation_policy(args.policy_name, spec, labels=POLICY_LABELS)
    if not args.registry_mirrors:
        return propagation, None
    rules = tuple(
        p.OverrideRule(p.ClusterAffinity((cluster,)), p.Overriders(images=tuple(
            p.ImageOverrider(p.ImageComponent.REGISTRY, p.OverrideOperator.REPLACE, registry, predicate_path=path)
            for path in args.image_paths)))
        for cluster, registry in sorted(args.registry_mirrors.items()))
    override = p.cluster_override_policy(f"{args.policy_name}-registry-mirror", selectors, rules,
                                         labels=POLICY_LABELS)
    return propagation, override


# -- components ------------------------------------------------------------------------------------------------




def _custom_resource(resource_name: str, obj: dict[str, Any], opts: pulumi.ResourceOptions):
    return k8s.apiextensions.CustomResource(resource_name, api_version=obj["apiVersion"], kind=obj["kind"],
                                            metadata=obj["metadata"], spec=obj["spec"], opts=opts)


class ModelPlacement(pulumi.ComponentResource):
    """The Karmada policies of one model's plan (`plan_model_placement`, computed once by the stack before any
    resource exists). Pass the Karmada API server's provider in `opts` (and, in `depends_on`, the control plane's
    release: the policies wait for it); `propagation_policy` is the main child."""

    propagation_policy: k8s.apiextensions.CustomResource

    def __init__(self, name: str, plan: PlacementPlan, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:karmada:ModelPlacement", name, None, opts)
        child = child_options(self, opts)
        self.propagation_policy = _custom_resource(f"{name}-propagation", plan.propagation_policy, child)
        self.service_policy = (_custom_resource(f"{name}-service-propagation", plan.service_policy, child)
                               if plan.service_policy is not None else None)
        self.override_policies = [_custom_resource(f"{name}-overrides", obj, child)
                                  for obj in plan.override_policies]
        self.clusters = list(plan.clusters)
        self.register_outputs({"clusters": self.clusters})


class RuntimePropagation(pulumi.ComponentResource):
    """KServe's ClusterServingRuntimes on every member. Pass the Karmada API server's provider in `opts` (and the
    control plane's release in `depends_on`)."""

    propagation_policy: k8s.apiextensions.CustomResource
    override_policy: Optional[k8s.apiextensions.CustomResource]

    def __init__(self, name: str, args: RuntimePropagationArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("platform:karmada:RuntimePropagation", name, None, opts)
        propagation, override = plan_runtime_propagation(args)
        child = child_options(self, opts)
        self.propagation_policy = _custom_resource(f"{name}-propagation", propagation, child)
        self.override_policy = (_custom_resource(f"{name}-registry-mirror", override, child)
                                if override is not None else None)
        self.register_outputs({"clusters": list(args.clusters)})
