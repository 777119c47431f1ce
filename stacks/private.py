"""The private stack: the on-premises cluster, its models, and (from phase 2) KServe and the Karmada control plane.

Phase 1 (`torchserve`): each Phase 1 model is a TorchServe Deployment + Service in the model namespace.
Phase 2 (`kserve`): KServe (with Istio and Knative) on the cluster; Karmada on the cluster with the cluster as its
Push member; the KServe CRDs and the serving runtimes on the Karmada API server (runtimes propagated to every
member); each Phase 2+ model an InferenceService created through the Karmada API server and placed by a policy.
Phase 3 (`hybrid`): public members join in Pull mode with credentials this stack mints and exports; models are
placed by workload class across private and public members; the mesh joins the clusters (components/mesh): this
stack mints the mesh root CA and every cluster's intermediate (the private one installed here, each member's
exported as `meshCaCerts-<member>`), and writes a remote secret per member from the `meshReader` that member's
stack exports (read through a StackReference to it: empty until that stack has run, README "Bringing the
platform up"), and makes each member's Karmada `Cluster` from the kube-system UID that stack exports (agents may
not create one, components/karmada/pull_member.py).
"""
from __future__ import annotations

from typing import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.handover import HandOverBridge, HandOverBridgeArgs, hostname_hand_over
from components.karmada.control_plane import (KarmadaControlPlane, KarmadaControlPlaneArgs,
                                              agent_credentials_output)
from components.karmada.member import CLOUD_LABEL, PushMember, PushMemberArgs
from components.karmada.placement import ModelPlacement, RuntimePropagation, RuntimePropagationArgs
from components.karmada.pull_member import (PULL_CLUSTERS_OUTPUT, REGISTRATION_OUTPUT, PullMember, PullMemberArgs,
                                            check_registration)
from components.security.certificate_expiry_rule import CertificateExpiryRule, CertificateExpiryRuleArgs
from components.security.karmada_network import KarmadaNetworkArgs, KarmadaNetworkPolicies
from components.security.mesh_authorization import MeshAuthorization, MeshAuthorizationArgs
from components.security.model_network import ModelNetworkArgs, ModelNetworkPolicies, StorageEgress
from components.security.serving_entry_network import ServingEntryArgs, ServingEntryPolicies
from components.kserve.inference_service import InferenceServiceModel, InferenceServiceModelArgs
from components.kserve.platform import KServeCrds, KServeCrdsArgs, KServePlatform, KServePlatformArgs
from components.kserve.runtimes import ClusterServingRuntimes
from components.mesh.ca import MeshCa, MeshCaArgs, mesh_ca_output
from components.mesh.destination_rule import spanning_destination_rule
from components.mesh.identity import MeshIdentity
from components.mesh.istio_system import IstioSystem, IstioSystemArgs
from components.mesh.remote_secret import (MESH_READER_OUTPUT, RemoteSecret, RemoteSecretArgs, check_reader)
from components.namespace import InferenceNamespace, InferenceNamespaceArgs
from components.storage import MODEL_READER, ModelReader, ModelReaderArgs
from components.torchserve.model import TorchServeModel, TorchServeModelArgs
from models.deployment import DeploymentMode, HandOver
from models.registry import load_catalog
from models.spec import Phase, WorkloadClass
from stacks.private_config import S3_ENDPOINT, PrivateStackConfig, read_private_config
from stacks.private_plan import PrivatePlan, plan_private
from stacks.run_errors import reported


def run(values: Mapping[str, object]) -> None:
    cfg = read_private_config(values, load_catalog())
    plan = plan_private(cfg)  # every check happens before any resource exists
    build(cfg, plan)


def storage_egress(cfg: PrivateStackConfig) -> StorageEgress:
    """AWS S3: 443 at public addresses; an S3-compatible store (`s3Endpoint`): its port at any address."""
    if not cfg.s3_endpoint:
        return StorageEgress()
    port = S3_ENDPOINT.match(cfg.s3_endpoint).group("port")
    return StorageEgress(port=int(port) if port else (443 if cfg.s3_endpoint.startswith("https") else 80),
                         public_only=False)


def build(cfg: PrivateStackConfig, plan: PrivatePlan) -> None:
    cluster = k8s.Provider(cfg.cluster_name, context=cfg.kubeconfig_context, enable_server_side_apply=True)
    on_cluster = pulumi.ResourceOptions(provider=cluster)
    knative = cfg.default_mode is DeploymentMode.KNATIVE or any(
        d.mode is DeploymentMode.KNATIVE for d in cfg.models if d.phase is not Phase.TORCHSERVE)
    # From phase 2, Knative (and Istio under it) runs when any model or the default mode is Knative; Istio runs on
    # its own too when public members join the mesh (phase 3). KServePlatformArgs installs by the same two facts.
    serving_knative = cfg.phase is not Phase.TORCHSERVE and knative
    istio = cfg.phase is not Phase.TORCHSERVE and (knative or bool(cfg.members))
    namespace = InferenceNamespace("models", InferenceNamespaceArgs(
        name=cfg.namespace, kserve_ingress_policy=cfg.phase is not Phase.TORCHSERVE), opts=on_cluster)
    ModelNetworkPolicies("models-network", ModelNetworkArgs(namespace=cfg.namespace, mesh=istio,
                                                            storage=storage_egress(cfg)),
                         opts=pulumi.ResourceOptions(provider=cluster, depends_on=[namespace]))

    # Every model pod reads its artifact as `model-reader` (the S3 keys Secret, when configured, listed on it).
    reader = ModelReader("model-reader", ModelReaderArgs(namespace=cfg.namespace,
                                                         credentials_secret=cfg.storage_credentials_secret),
                         opts=pulumi.ResourceOptions(provider=cluster, depends_on=[namespace]))

    hostnames: dict[str, pulumi.Output[str]] = {}
    for dep in cfg.models_at(Phase.TORCHSERVE):
        served = TorchServeModel(dep.name, TorchServeModelArgs(
            model=dep.model, namespace=cfg.namespace, service_account_name=MODEL_READER,
            credentials_secret=cfg.storage_credentials_secret, s3_endpoint=cfg.s3_endpoint),
            opts=pulumi.ResourceOptions(provider=cluster, depends_on=[namespace, reader]))
        hostnames[dep.name] = served.hostname

    pulumi.export("phase", cfg.phase.value)
    pulumi.export("modelPhases", {d.name: d.phase.value for d in cfg.models})
    if cfg.phase is Phase.TORCHSERVE:
        pulumi.export("modelHostnames", hostnames)
        return

    # -- Phase 3's mesh: this stack owns the root CA; every cluster gets its intermediate (components/mesh) -----
    mesh_ca = istio_system = identity = None
    if cfg.members:
        identity = MeshIdentity(cluster_name=cfg.cluster_name)
        mesh_ca = MeshCa("mesh-ca", MeshCaArgs(clusters=(cfg.cluster_name, *(m.name for m in cfg.members))))
        istio_system = IstioSystem("istio-system", IstioSystemArgs(identity=identity,
                                                                   cacerts=mesh_ca.cacerts(cfg.cluster_name)),
                                   opts=on_cluster)

    # -- Phase 2: KServe on the cluster, Karmada in front of it ------------------------------------------------
    kserve = KServePlatform("kserve", KServePlatformArgs(default_mode=cfg.default_mode,
                                                         ingress_domain=cfg.ingress_domain,
                                                         s3_endpoint=cfg.s3_endpoint,
                                                         knative=knative,
                                                         mesh=identity,
                                                         istio_depends_on=tuple(istio_system.ready
                                                                                if istio_system else ())),
                            opts=on_cluster)
    if serving_knative:  # who may reach the local gateway and the activator
        ServingEntryPolicies("serving-entry", ServingEntryArgs(model_namespace=cfg.namespace),
                             opts=pulumi.ResourceOptions(provider=cluster, depends_on=kserve.ready))
    if istio:  # mTLS and authorization for sidecars
        MeshAuthorization("models-mesh", MeshAuthorizationArgs(namespace=cfg.namespace,
                                                               client_namespaces=cfg.client_namespaces),
                          opts=pulumi.ResourceOptions(provider=cluster, depends_on=[namespace, kserve.istio_base]))
    karmada_args = KarmadaControlPlaneArgs(
        api_endpoint=cfg.karmada_api_endpoint, service_type=cfg.karmada_service_type,
        node_port=cfg.karmada_node_port, load_balancer_sources=cfg.karmada_load_balancer_sources,
        etcd_storage_class=cfg.karmada_etcd_storage_class, etcd_storage_size=cfg.karmada_etcd_storage_size,
        pull_members=tuple(m.name for m in cfg.members),
        agent_generations={m.name: m.credential_generation for m in cfg.members})
    karmada = KarmadaControlPlane("karmada", karmada_args, opts=on_cluster)
    if cfg.karmada_expiry_alerts:  # alert from the moment `pulumi up` would renew (agents: bump their generation)
        CertificateExpiryRule("karmada-certificate-expiry", CertificateExpiryRuleArgs(
            expiry=karmada.certificate_expiry, warn_before_hours=karmada_args.renew_before_hours), opts=on_cluster)
    # Karmada's controllers reach only the declared member (this cluster's API server); etcd only its API servers.
    if cfg.karmada_api_server_cidrs:
        KarmadaNetworkPolicies("karmada-network", KarmadaNetworkArgs(member_api_cidrs=cfg.karmada_api_server_cidrs),
                               opts=pulumi.ResourceOptions(provider=cluster, depends_on=[karmada.release]))
    # The cluster joins Karmada once its KServe (and Knative) is up and model pods can read: Karmada pushes runtimes
    # and InferenceServices the moment a member exists, and the member's webhooks must be there to admit them.
    member = PushMember("private-member", PushMemberArgs(cluster_name=cfg.cluster_name,
                                                         karmada_provider=karmada.provider,
                                                         karmada_ready=[karmada.release]),
                        opts=pulumi.ResourceOptions(provider=cluster, depends_on=[*kserve.ready, reader]))

    # Karmada accepts only kinds its own API server knows: the KServe CRDs go there too, and the runtimes are
    # created there once and propagated to every member.
    # Recorded in karmada-system: a `kserve` namespace on Karmada would be propagated to every member (Karmada
    # never propagates its own karmada-* namespaces).
    karmada_crds = KServeCrds("karmada-kserve", KServeCrdsArgs(namespace="karmada-system"),
                              opts=karmada.karmada_options())
    runtimes = ClusterServingRuntimes("runtimes", opts=karmada.karmada_options(karmada_crds, member.cluster))
    clusters = (cfg.cluster_name, *(m.name for m in cfg.members))
    RuntimePropagation("runtimes", RuntimePropagationArgs(
        clusters=clusters,
        registry_mirrors={m.name: cfg.registry_mirror for m in cfg.members} if cfg.registry_mirror else {}),
        opts=karmada.karmada_options(runtimes))
    karmada_namespace = InferenceNamespace("karmada-models", InferenceNamespaceArgs(
        name=cfg.namespace, karmada_template=True), opts=karmada.karmada_options())

    # Phase 1 → 2 hand-overs: the Phase 1 component (same name, so Pulumi updates it in place) holds `<model>`
    # until the InferenceService serves; components/handover.py says how, README "Moving a model" when.
    phase_one: dict[str, TorchServeModel] = {}
    for dep in cfg.models:
        if dep.phase_one is None:
            continue
        bridge = None
        if dep.mode is DeploymentMode.KNATIVE:
            bridge = HandOverBridge(f"{dep.name}-hand-over", HandOverBridgeArgs(
                model=dep.model, namespace=cfg.namespace, step=dep.hand_over),
                opts=pulumi.ResourceOptions(provider=cluster, depends_on=[namespace, *kserve.ready,
                                                                          *([kserve.istio_base] if kserve.istio_base
                                                                            else [])]))
        phase_one[dep.name] = TorchServeModel(dep.name, TorchServeModelArgs(
            model=dep.phase_one, namespace=cfg.namespace, service_account_name=MODEL_READER,
            credentials_secret=cfg.storage_credentials_secret, s3_endpoint=cfg.s3_endpoint,
            hand_over=hostname_hand_over(dep, cfg.namespace, bridge)),
            opts=pulumi.ResourceOptions(provider=cluster, depends_on=[namespace, reader]))

    for dep in cfg.models:
        if dep.phase is Phase.TORCHSERVE or dep.hand_over is HandOver.PREPARE:
            if dep.name in phase_one:  # `prepare`: the Phase 1 pods still hold the name alone
                hostnames[dep.name] = phase_one[dep.name].hostname
            continue
        # The policy first, so Karmada propagates the InferenceService the moment it exists (Pulumi then waits for
        # its predictor, reported back through the interpreter's status aggregation).
        placement = ModelPlacement(f"{dep.name}-placement", plan.placements[dep.name],
                                   opts=karmada.karmada_options(karmada_namespace, karmada.interpreter))
        # The private cluster is the only Push member. A model only Pull members host (batch on public Spot) cannot
        # be ready before they join, and they join only after this update exports their credentials: don't wait.
        served = InferenceServiceModel(dep.name, InferenceServiceModelArgs(
            deployment=dep, namespace=cfg.namespace, mesh_provider=cluster, service_account_name=MODEL_READER,
            await_ready=cfg.cluster_name in plan.placements[dep.name].clusters,
            mesh_depends_on=[namespace, *kserve.ready, *([kserve.istio_base] if kserve.istio_base else [])],
            hostname_service=dep.phase_one is None),
            opts=karmada.karmada_options(karmada_crds, karmada_namespace, runtimes, karmada.interpreter, placement,
                                         member.cluster, *([phase_one[dep.name]] if dep.name in phase_one else [])))
        hostnames[dep.name] = served.hostname

    # A model spanning clusters: private clients' sidecars eject failing endpoints and gateways
    # (components/mesh/destination_rule.py says how the share follows the replicas).
    for dep in cfg.models:
        if dep.name in plan.placements and plan.placements[dep.name].spans_clusters:
            rule = spanning_destination_rule(dep.name, cfg.namespace)
            k8s.apiextensions.CustomResource(
                f"{dep.name}-cross-cluster", api_version=rule["apiVersion"], kind=rule["kind"],
                metadata=rule["metadata"], spec=rule["spec"],
                opts=pulumi.ResourceOptions(provider=cluster, depends_on=[namespace, kserve.istio_base]))

    # What each member's stack exports for this one (empty until that stack has run; README "Bringing the platform
    # up" runs this stack again): the reader the private istiod watches it with (only the private istiod reads the
    # members' API servers: one remote secret each), and its kube-system UID for its Karmada Cluster, which this
    # stack makes so that agents need no right to create one (components/karmada/pull_member.py).
    pull_clusters = {}
    for m in cfg.members:
        ref = cfg.member_stack_refs[m.name]
        member_stack = pulumi.StackReference(f"{m.name}-stack", stack_name=ref)
        where = f"{ref} output {MESH_READER_OUTPUT}"
        reader = member_stack.get_output(MESH_READER_OUTPUT).apply(reported(lambda v, w=where: check_reader(v, w)))
        RemoteSecret(f"{m.name}-remote", RemoteSecretArgs(cluster=m.name, reader=reader),
                     opts=pulumi.ResourceOptions(provider=cluster, depends_on=list(istio_system.ready)))
        where = f"{ref} output {REGISTRATION_OUTPUT}"
        registration = member_stack.get_output(REGISTRATION_OUTPUT).apply(
            reported(lambda v, w=where: check_registration(v, w)))
        pull_clusters[m.name] = PullMember(f"{m.name}-karmada-cluster", PullMemberArgs(
            cluster_name=m.name, registration=registration, labels={CLOUD_LABEL: m.cloud}),
            opts=karmada.karmada_options(*karmada.agent_rbac[m.name])).registration

    pulumi.export("modelHostnames", hostnames)
    pulumi.export("modelClusters", {name: list(p.clusters) for name, p in plan.placements.items()})
    pulumi.export("modelNamespace", cfg.namespace)
    pulumi.export("karmadaApiEndpoint", karmada.api_endpoint)
    pulumi.export("karmadaCaCrt", karmada.ca_certificate)
    # When each certificate expires (RFC 3339): what the documented expiry check reads.
    pulumi.export("karmadaCertificateExpiry", karmada.certificate_expiry)
    if cfg.members:
        # What each public stack consumes: credentials for its Pull agent (one export per member, so no export
        # carries two members' keys), and its contract (the one typed value the plan sends it: what it must host,
        # and the fingerprint of its own stack file the plan was made for).
        for m in cfg.members:
            pulumi.export(agent_credentials_output(m.name), karmada.member_agent_credentials(m.name))
        pulumi.export("memberContracts", {name: c.to_output() for name, c in plan.contracts.items()})
        # The registration (kube-system UID, API endpoint) each member's Cluster carries, absent until that member's
        # stack has run: a member's agent runs once its own is here, so it never meets a Cluster it would change.
        pulumi.export(PULL_CLUSTERS_OUTPUT, pulumi.Output.all(**pull_clusters).apply(
            lambda regs: {name: reg for name, reg in regs.items() if reg is not None}))
        # Each member's intermediate CA (its own only), and per member the batch models it may run (each member
        # exports their addresses as `batchEndpoints`).
        for m in cfg.members:
            pulumi.export(mesh_ca_output(m.name), mesh_ca.cacerts(m.name))
        pulumi.export("memberBatchModels", {name: [r.model for r in c.models
                                                   if r.workload_class is WorkloadClass.BATCH]
                                            for name, c in plan.contracts.items()})
