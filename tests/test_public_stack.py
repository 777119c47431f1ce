"""The public stack rendered under the SDK's mocks, the private stack's outputs fed through the StackReference.

Covers what `pulumi up` would create on AWS (node groups, IAM), what it would install on the EKS cluster (pinned
charts, the Karmada agent with secret credentials), what it exports, and the run-time consistency errors when the
private stack asks this member to host something it cannot.
"""
from __future__ import annotations

import asyncio
import base64
import copy
import gc
import json

import pulumi
import pytest
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.sync_await import _ensure_event_loop

from components.aws.eks_cluster import AUTOSCALER_DESCRIBE_ACTIONS
from components.scheduling import gpu_tolerations, spot_tolerations
from components import versions
from components.versions import (CLUSTER_AUTOSCALER_CHART, EKS_KUBERNETES_VERSION, KARMADA_CHART,
                                 NVIDIA_DEVICE_PLUGIN_CHART)
from models.errors import ConfigError, PlatformError
from stacks.__main__ import load_stack_file
from stacks.fake_cloud import FAKE_PEM
from stacks.program import main
from stacks.render import HELM_RELEASE, Render, run_program
from stacks.__main__ import render_stack
from components.karmada.contract import MemberModel
from models.spec import WorkloadClass
from stacks.validation import validate_builtin, validate_render

PRIVATE = "organization/inference-platform/private"
MEMBER = "aws-use1"
CLUSTER = "inference-aws-use1"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
NODEGROUP = "aws:eks/nodeGroup:NodeGroup"
BATCH_TOLERATIONS = gpu_tolerations() + spot_tolerations()


_PRIVATE_OUTPUTS: dict = {}


def rendered_private_outputs() -> dict:
    """The outputs of the checked-in private stack, rendered once: what the public stack really receives."""
    if not _PRIVATE_OUTPUTS:
        fresh_root_stack()
        _PRIVATE_OUTPUTS.update(copy.deepcopy(render_stack("private").as_stack_reference()))
        fresh_root_stack()
    return copy.deepcopy(_PRIVATE_OUTPUTS)


def private_outputs(models=None, **changes) -> dict:
    """The rendered private stack's outputs; `models` replaces this member's contract entries (built with
    `MemberModel(...).to_output()`, the contract's own writer), `changes` replace or (None) drop exports."""
    ref = rendered_private_outputs()
    outputs = ref["outputs"]
    if models is not None:
        outputs["memberContracts"][MEMBER]["models"] = models
    for key, value in changes.items():
        if value is None:
            outputs.pop(key, None)
        else:
            outputs[key] = value
    return {PRIVATE: ref}


def stack_config(**platform_changes) -> dict:
    config = copy.deepcopy(load_stack_file("public"))
    for key, value in platform_changes.items():
        config[f"platform:{key}"] = value
    return config


def fresh_root_stack() -> None:
    """The SDK keeps one root Stack per process and `set_mocks` reuses it, so one run's exports (failed ones
    included) would show up in the next run's outputs. Start each render from a new root, and leave none behind."""
    pulumi.runtime.settings.set_root_resource(None)


def render(config=None, outputs=None) -> Render:
    fresh_root_stack()
    return run_program(main, stack="public", config=config or stack_config(),
                       stack_outputs=outputs or private_outputs())


def platform_error(exc: BaseException) -> PlatformError:
    """The user-facing error behind a failed run: an apply's ConfigError reaches the caller either as itself or as
    the cause of the SDK's 'While processing resource' ValueError, whichever fails first."""
    todo, visited = [exc], set()
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in visited:  # exception chains can loop
            continue
        visited.add(id(current))
        if isinstance(current, PlatformError):
            return current
        todo += [current.__cause__, current.__context__]
    raise AssertionError(f"no PlatformError behind {exc!r}")


def finish_failed_run() -> None:
    """A run stops at its first error and leaves the program's other tasks pending on the SDK's event loop, where the
    next run in this process would pick them up (and their errors). Let them finish (or cancel what waits forever),
    retrieving their errors, and collect what is left while pytest still captures the "never retrieved" lines."""
    loop = _ensure_event_loop()
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=2))
        for task in pending:  # what still waits, waits on a resource the failed run never registered
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    # Failed outputs stay tracked "to pick up at program exit"; forget them as `pulumi.runtime.test` does.
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    fresh_root_stack()
    gc.collect()


def render_fails(config=None, outputs=None) -> ConfigError:
    try:
        render(config, outputs)
    except Exception as exc:  # noqa: BLE001 - the SDK may wrap the ConfigError in its own ValueError
        found = platform_error(exc)
        assert isinstance(found, ConfigError), str(found)
        # A copy without the traceback, so the failed run's futures can be collected below.
        err = ConfigError(found.where, found.field, found.value, found.expected)
    else:
        pytest.fail("the run succeeded")
    finish_failed_run()
    return err


@pytest.fixture(scope="module")
def public():
    yield render()
    fresh_root_stack()


@pytest.fixture(autouse=True)
def _release_failed_runs():
    """The SDK state (monitor, settings) keeps the last failed run's futures alive until another run replaces it;
    replace it after each test so their "never retrieved" log lines land in this test's capture, not at exit."""
    yield
    run_program(lambda: None, stack="public", config={})
    fresh_root_stack()
    gc.collect()




def policy_doc(text: str) -> dict:
    return json.loads(text)


# --- AWS: node groups ----------------------------------------------------------------------------------------------

def test_one_managed_node_group_per_configured_gpu_group_plus_the_system_group(public):
    # Name prefixes (EKS adds a unique suffix), so replacing a group creates the new one before deleting the old.
    assert not any("nodeGroupName" in r.inputs for r in public.of_type(NODEGROUP))
    names = sorted(r.inputs["nodeGroupNamePrefix"] for r in public.of_type(NODEGROUP))
    assert names == sorted([f"{MEMBER}-t4-spot-", f"{MEMBER}-t4-ondemand-", f"{MEMBER}-a10g-spot-",
                            f"{MEMBER}-l4-spot-", "system-"])
    for ng in public.of_type(NODEGROUP):
        assert ng.inputs["clusterName"] == CLUSTER
        assert ng.inputs["nodeRoleArn"] == f"arn:aws:fake::000000000000:{MEMBER}-node-role"  # the fake role ARN


def test_spot_groups_are_diversified_tainted_and_scale_from_zero(public):
    spot = [r.inputs for r in public.of_type(NODEGROUP) if r.inputs.get("capacityType") == "SPOT"]
    assert len(spot) == 3
    for ng in spot:
        assert len(ng["instanceTypes"]) >= 2
        assert ng["amiType"] == "AL2023_x86_64_NVIDIA"
        assert ng["scalingConfig"]["minSize"] == 0
        assert {t["key"] for t in ng["taints"]} == {"nvidia.com/gpu", "inference-platform.io/capacity"}
        assert all(t["effect"] == "NO_SCHEDULE" for t in ng["taints"])


def test_on_demand_fallback_group_exists_for_the_spot_gpu_type(public):
    fallback = public.get(NODEGROUP, f"{MEMBER}-t4-ondemand-nodegroup").inputs
    assert fallback["capacityType"] == "ON_DEMAND"
    assert fallback["labels"]["inference-platform.io/gpu-type"] == "t4"
    assert [t["key"] for t in fallback["taints"]] == ["nvidia.com/gpu"]


def test_system_group_is_untainted_on_demand(public):
    system = public.get(NODEGROUP, f"{MEMBER}-system-nodegroup").inputs
    assert system["capacityType"] == "ON_DEMAND" and system["amiType"] == "AL2023_x86_64_STANDARD"
    assert "taints" not in system


def test_node_template_gpu_count_tags_on_every_gpu_asg(public):
    gpu_tags = [r.inputs for r in public.of_type("aws:autoscaling/tag:Tag")
                if r.inputs["tag"]["key"] == "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"]
    assert sorted(t["autoscalingGroupName"] for t in gpu_tags) == sorted(
        f"eks-{MEMBER}-{g}-nodegroup-asg" for g in ("t4-spot", "t4-ondemand", "a10g-spot", "l4-spot"))
    assert {t["tag"]["value"] for t in gpu_tags} == {"1"}
    owners = [r.inputs["tag"] for r in public.of_type("aws:autoscaling/tag:Tag")
              if r.inputs["tag"]["key"] == f"k8s.io/cluster-autoscaler/{CLUSTER}"]
    assert len(owners) == 4 and {t["value"] for t in owners} == {"owned"}


# --- AWS: cluster and IAM ------------------------------------------------------------------------------------------

def test_cluster_endpoint_is_private_and_pinned(public):
    cluster = public.get("aws:eks/cluster:Cluster", f"{MEMBER}-cluster").inputs
    assert cluster["name"] == CLUSTER and cluster["version"] == EKS_KUBERNETES_VERSION == "1.35"
    assert cluster["vpcConfig"]["endpointPrivateAccess"] is True
    assert cluster["vpcConfig"]["endpointPublicAccess"] is False
    assert cluster["accessConfig"]["authenticationMode"] == "API"


def test_iam_roles_carry_exactly_the_least_privilege_managed_policies(public):
    attached: dict[str, set] = {}
    for a in public.of_type(ATTACHMENT):
        attached.setdefault(a.inputs["role"], set()).add(a.inputs["policyArn"])
    assert attached == {
        f"{CLUSTER}-eks-cluster": {"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"},
        f"{CLUSTER}-eks-node": {"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                                "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"},
    }
    # No other policy anywhere: the autoscaler's inline policy is the only one, and no managed policy objects.
    assert [r.inputs["role"] for r in public.of_type("aws:iam/rolePolicy:RolePolicy")] == [
        f"{CLUSTER}-cluster-autoscaler", f"{CLUSTER}-model-reader"]  # the reader's: see the artifact tests
    assert public.of_type("aws:iam/policy:Policy") == []


def test_role_trust_policies(public):
    cluster = policy_doc(public.get(ROLE, f"{MEMBER}-cluster-role").inputs["assumeRolePolicy"])
    node = policy_doc(public.get(ROLE, f"{MEMBER}-node-role").inputs["assumeRolePolicy"])
    assert cluster["Statement"] == [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
                                     "Action": "sts:AssumeRole"}]
    assert node["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_autoscaler_irsa_role_is_only_for_its_service_account(public):
    trust = policy_doc(public.get(ROLE, f"{MEMBER}-autoscaler-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    oidc = public.get("aws:iam/openIdConnectProvider:OpenIdConnectProvider", f"{MEMBER}-oidc")
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].startswith("arn:aws:iam::000000000000:oidc-provider/")
    conditions = statement["Condition"]["StringEquals"]
    issuer = oidc.inputs["url"].removeprefix("https://")
    assert conditions == {f"{issuer}:sub": "system:serviceaccount:kube-system:cluster-autoscaler",
                          f"{issuer}:aud": "sts.amazonaws.com"}


def test_autoscaler_may_change_only_this_clusters_tagged_groups(public):
    policy = policy_doc(public.get("aws:iam/rolePolicy:RolePolicy", f"{MEMBER}-autoscaler-policy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    scale = by_sid["ScaleOwnedGroups"]
    assert sorted(scale["Action"]) == ["autoscaling:SetDesiredCapacity",
                                       "autoscaling:TerminateInstanceInAutoScalingGroup"]
    assert scale["Condition"] == {"StringEquals": {
        f"autoscaling:ResourceTag/k8s.io/cluster-autoscaler/{CLUSTER}": "owned",
        "autoscaling:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true"}}
    # Everything unconditioned is read-only; node groups only of this cluster.
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in by_sid["Discover"]["Action"])
    assert sorted(by_sid["Discover"]["Action"]) == sorted(AUTOSCALER_DESCRIBE_ACTIONS)
    assert by_sid["DescribeOwnNodegroups"]["Resource"].endswith(f":nodegroup/{CLUSTER}/*/*")
    assert not any(a.endswith("*") for s in policy["Statement"] for a in s["Action"])


# --- the EKS cluster: provider, charts, agent ----------------------------------------------------------------------

def test_every_kubernetes_resource_targets_the_members_cluster_with_a_secret_kubeconfig(public):
    provider = public.get("pulumi:providers:kubernetes", MEMBER)
    assert "kubeconfig" in provider.secrets
    assert provider.depends_on[0] == f"{NODEGROUP}::{MEMBER}-system-nodegroup"
    assert provider.depends_on[1:] == [  # the admin role's access (the creator has none of its own), the CNI
        *(r.key for r in public.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")),
        "aws:eks/addon:Addon::aws-use1-vpc-cni"]
    k8s_resources = [r for r in public.resources if r.type.startswith("kubernetes:")]
    assert k8s_resources and {r.cluster for r in k8s_resources} == {MEMBER}


def test_charts_are_pinned_to_components_versions(public):
    releases = {r.name: r.inputs for r in public.of_type(HELM_RELEASE)}
    expected = {
        f"{MEMBER}-addons-nvidia-device-plugin": (NVIDIA_DEVICE_PLUGIN_CHART.name, "0.17.1",
                                                  NVIDIA_DEVICE_PLUGIN_CHART.repo),
        f"{MEMBER}-addons-cluster-autoscaler": (CLUSTER_AUTOSCALER_CHART.name, "9.59.0", CLUSTER_AUTOSCALER_CHART.repo),
        f"{MEMBER}-karmada-agent-release": (
            "https://github.com/karmada-io/karmada/releases/download/v1.18.2/karmada-chart-v1.18.2.tgz", "v1.18.2",
            None),
        f"{MEMBER}-east-west-release": ("gateway", "1.30.3", "https://istio-release.storage.googleapis.com/charts"),
    }
    kserve = {name for name in releases if name.startswith(f"{MEMBER}-kserve-")}
    assert set(releases) - kserve == set(expected)
    for name, (chart, version, repo) in expected.items():
        assert releases[name]["chart"] == chart
        assert releases[name]["version"] == version
        assert (releases[name].get("repositoryOpts") or {}).get("repo") == repo
    assert KARMADA_CHART.archive == releases[f"{MEMBER}-karmada-agent-release"]["chart"]


def test_no_node_termination_handler_with_managed_node_groups(public):
    # aws/aws-node-termination-handler v1.25.1 README.md: "If you're using EKS managed node groups, you don't need
    # the aws-node-termination-handler"; every node group here is one (aws.eks.NodeGroup).
    assert not [r for r in public.of_type(HELM_RELEASE) if "termination" in r.name or
                "termination" in str(r.inputs.get("chart"))]
    assert not hasattr(versions, "AWS_NODE_TERMINATION_HANDLER_CHART")


def test_device_plugin_runs_on_every_gpu_node_spot_included(public):
    values = public.get(HELM_RELEASE, f"{MEMBER}-addons-nvidia-device-plugin").inputs["values"]
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": "inference-platform.io/gpu-type", "operator": "In",
                                            "values": ["t4", "a10g", "l4", "a100"]}]}]
    tolerated = {(t["key"], t.get("value")) for t in values["tolerations"]}
    assert {("nvidia.com/gpu", None), ("inference-platform.io/capacity", "spot")} <= tolerated


def test_autoscaler_uses_irsa_and_prefers_spot_with_on_demand_fallback(public):
    values = public.get(HELM_RELEASE, f"{MEMBER}-addons-cluster-autoscaler").inputs["values"]
    assert values["autoDiscovery"] == {"clusterName": CLUSTER}
    assert values["image"] == {"repository": "registry.k8s.io/autoscaling/cluster-autoscaler", "tag": "v1.35.0"}
    sa = values["rbac"]["serviceAccount"]
    assert sa["name"] == "cluster-autoscaler"
    assert sa["annotations"]["eks.amazonaws.com/role-arn"] == "arn:aws:fake::000000000000:aws-use1-autoscaler-role"
    assert values["extraArgs"]["expander"] == "priority,least-waste"
    priorities = values["expanderPriorities"]
    suffix = "[0-9a-f]{26}-[0-9a-f-]+$"  # the node group name's unique suffix, then the ASG's UUID
    assert priorities["50"] == [f"^eks-{MEMBER}-{g}-{suffix}" for g in ("t4-spot", "a10g-spot", "l4-spot")]
    assert priorities["10"] == [f"^eks-{MEMBER}-t4-ondemand-{suffix}"]
    assert int(max(priorities, key=int)) > int(min(priorities, key=int))


def test_karmada_agent_values_are_recorded_as_secret(public):
    release = public.get(HELM_RELEASE, f"{MEMBER}-karmada-agent-release")
    assert release.secrets == ["values"]  # the whole values map: it carries the CA, certificate and key

    def leaves(node):
        if isinstance(node, dict):
            return [x for v in node.values() for x in leaves(v)]
        return [node]
    assert {leaf for leaf in leaves(release.inputs["values"]) if isinstance(leaf, str)} in ({"[secret]"}, set())
    assert release.inputs["namespace"] == "karmada-system"
    assert f"kubernetes:core/v1:Namespace::{MEMBER}-karmada-agent-namespace" in release.depends_on
    # No credential appears in clear anywhere in the render.
    dumped = json.dumps([r.to_json() for r in public.resources]) + json.dumps(public.outputs)
    assert "RkFLRQ==" not in dumped and "PRIVATE KEY" not in dumped


def test_agent_values_use_the_charts_agent_mode_keys():
    from components.karmada.agent import agent_values
    values = agent_values("aws-use1", "https://eks.example", "https://karmada.example:5443", "CA", "CRT", "KEY")
    assert values["installMode"] == "agent"
    agent = values["agent"]
    assert (agent["clusterName"], agent["clusterEndpoint"]) == ("aws-use1", "https://eks.example")
    assert agent["kubeconfig"] == {"caCrt": "CA", "crt": "CRT", "key": "KEY", "server": "https://karmada.example:5443"}
    assert agent["image"] == {"registry": "docker.io", "repository": "karmada/karmada-agent", "tag": "v1.18.2",
                              "pullPolicy": "IfNotPresent"}


def test_built_in_kubernetes_objects_pass_strict_validation(public):
    objects = [o for o in public.objects(MEMBER) if "." not in o["apiVersion"].split("/")[0]]
    assert sorted(o["kind"] for o in objects) == ["Namespace", "Namespace", "Namespace", "Namespace", "Secret",
                                                  "Secret", "ServiceAccount"]
    for obj in objects:
        assert validate_builtin(obj)


# --- exports -------------------------------------------------------------------------------------------------------

def test_exports(public):
    out = public.outputs
    assert out == {"memberName": MEMBER, "region": "us-east-1", "clusterName": CLUSTER,
                   "meshReader": {"server": "https://aws-use1-cluster.eks.fake.example",
                                  "caData": base64.b64encode(FAKE_PEM.encode()).decode(),
                                  "token": "fake-service-account-token-aws-use1-istio-reader-secret"},
                   "karmadaRegistration": {"clusterId": "fake-uid-aws-use1-karmada-agent-kube-system",
                                           "apiEndpoint": "https://aws-use1-cluster.eks.fake.example"},
                   "karmadaAgent": "running",
                   "batchEndpoints": {"doc-classifier-batch":
                                      "http://doc-classifier-batch.inference.svc.cluster.local"}}
    assert public.secret_outputs == ["meshReader"]


# --- the checked-in stack files, end to end (what `make render` does) ----------------------------------------------

def test_checked_in_public_stack_renders_against_the_rendered_private_stack(public_render, private_render):
    contract = private_render.outputs["memberContracts"][MEMBER]
    assert {m["model"] for m in contract["models"]} == {"ticket-router", "doc-classifier-batch"}
    assert validate_render(public_render)
    agent = public_render.get(HELM_RELEASE, f"{MEMBER}-karmada-agent-release")
    assert agent.cluster == MEMBER and agent.secrets == ["values"]


# --- adopting an existing cluster ----------------------------------------------------------------------------------

def test_existing_cluster_is_read_not_created_and_its_oidc_provider_reused():
    eks = {"mode": "existing", "clusterName": "shared-gpu", "subnetIds": ["subnet-0a1b2c3d4e5f60001"],
           "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"}
    r = render(stack_config(eks=eks))
    cluster = r.get("aws:eks/cluster:Cluster", f"{MEMBER}-cluster")
    assert cluster.read_id == "shared-gpu"
    assert r.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert [a.inputs["role"] for a in r.of_type(ATTACHMENT) if a.inputs["role"].endswith("-eks-cluster")] == []
    assert not any(ng.inputs["nodeGroupNamePrefix"] == "system-" for ng in r.of_type(NODEGROUP))
    trust = policy_doc(r.get(ROLE, f"{MEMBER}-autoscaler-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"]["Federated"] == eks["oidcProviderArn"]
    assert r.outputs["clusterName"] == "shared-gpu"


# --- consistency with the private stack (checked when its outputs arrive) ------------------------------------------

def test_a_contract_planned_against_another_version_of_this_file_fails_the_run():
    # The private stack planned against the checked-in file; this run's node groups differ (no on-demand group).
    groups = [g for g in load_stack_file("public")["platform:gpuNodeGroups"] if g["capacity"] == "spot"]
    err = render_fails(config=stack_config(gpuNodeGroups=groups))
    assert (err.where, err.field) == (f"{PRIVATE} output memberContracts.{MEMBER}", "plannedAgainst")
    assert "run its `pulumi up` first" in str(err)


def test_member_unknown_to_the_private_stack_fails_the_run():
    outputs = private_outputs()
    contracts = outputs[PRIVATE]["outputs"]["memberContracts"]
    contracts["gcp-euw1"] = contracts.pop(MEMBER)
    err = render_fails(outputs=outputs)
    assert (err.where, err.field, err.value) == ("platform", "memberName", MEMBER)
    assert "['gcp-euw1']" in str(err)


def test_missing_private_exports_fail_the_run_without_printing_secrets():
    err = render_fails(outputs=private_outputs(memberContracts=None))
    assert err.field == "memberName" and "platform:members names this stack" in str(err)
    err = render_fails(outputs=private_outputs(**{f"karmadaAgentCredentials-{MEMBER}": None}))
    assert err.field == "memberName" and f"exports none as karmadaAgentCredentials-{MEMBER}" in str(err)
    assert "PRIVATE KEY" not in str(err)
    err = render_fails(outputs=private_outputs(karmadaApiEndpoint="http://karmada:5443"))
    assert err.field == "karmadaApiEndpoint"


def test_member_runs_kserve_and_owns_its_model_namespace_before_joining(public):
    """Karmada sends InferenceServices and the runtimes; the member must have KServe (Knative mode) to run them
    and the namespace they live in. The agent joins only after both."""
    charts = {r.inputs["chart"].rsplit("/", 1)[-1] for r in public.of_type(HELM_RELEASE)
              if r.name.startswith(f"{MEMBER}-kserve-")}
    assert charts >= {"cert-manager", "istiod", "knative-operator", "kserve-crd", "kserve-resources"}
    namespace = public.find("Namespace", "inference", cluster=MEMBER)
    assert "namespace.karmada.io/skip-auto-propagation" not in namespace["metadata"]["labels"]
    agent = public.get(HELM_RELEASE, f"{MEMBER}-karmada-agent-release")
    assert any(d.endswith(f"KServePlatform::{MEMBER}-kserve") for d in agent.depends_on), agent.depends_on
    assert any(d.endswith(f"InferenceNamespace::{MEMBER}-models") for d in agent.depends_on), agent.depends_on


# --- access for the deploy/CI roles --------------------------------------------------------------------------------

def test_admin_roles_get_cluster_admin_access_entries_before_anything_is_installed():
    arns = ["arn:aws:iam::123456789012:role/inference-deploy", "arn:aws:iam::123456789012:role/ci/github-actions"]
    eks = {**load_stack_file("public")["platform:eks"], "adminRoleArns": arns}
    r = render(stack_config(eks=eks))
    entries = {e.inputs["principalArn"]: e for e in r.of_type("aws:eks/accessEntry:AccessEntry")}
    assert set(entries) == set(arns)
    assert {e.inputs["type"] for e in entries.values()} == {"STANDARD"}
    assert {e.inputs["clusterName"] for e in entries.values()} == {CLUSTER}
    associations = r.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert sorted(a.inputs["principalArn"] for a in associations) == sorted(arns)
    for a in associations:
        assert a.inputs["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        assert a.inputs["accessScope"] == {"type": "cluster"}
    assert sorted(a.name.rsplit("-", 2)[0] for a in associations) == [
        f"{MEMBER}-access-123456789012-ci-github-actions", f"{MEMBER}-access-123456789012-inference-deploy"]
    provider = r.get("pulumi:providers:kubernetes", MEMBER)
    assert {f"aws:eks/accessPolicyAssociation:AccessPolicyAssociation::{a.name}" for a in associations} <= set(
        provider.depends_on)


def test_only_the_declared_admin_roles_get_access_entries(public):
    entries = public.of_type("aws:eks/accessEntry:AccessEntry")
    assert [e.inputs["principalArn"] for e in entries] == ["arn:aws:iam::123456789012:role/inference-deploy"]


# --- reading model artifacts -------------------------------------------------------------------------------------

def test_model_pods_read_exactly_their_buckets_through_an_irsa_role(public_render, private_render):
    """The role allows reading the prefixes the models placed here read (the private stack's rewrite to this
    region's mirror applied), nothing else; only `model-reader` in the model namespace may assume it."""
    uris = {u for r in private_render.outputs["memberContracts"][MEMBER]["models"] for u in r["storageUris"]}
    assert uris and all(u.startswith("s3://ml-artifacts-us-east-1/") for u in uris)
    policy = json.loads(public_render.get("aws:iam/rolePolicy:RolePolicy",
                                          f"{MEMBER}-model-reader-iam-policy").inputs["policy"])
    prefixes = sorted(u.split("/", 3)[3] for u in uris)
    listing, reading = policy["Statement"]
    assert (listing["Action"], listing["Resource"]) == (["s3:ListBucket"], "arn:aws:s3:::ml-artifacts-us-east-1")
    assert listing["Condition"]["StringLike"]["s3:prefix"] == [v for p in prefixes for v in (p, f"{p}/*")]
    assert reading["Action"] == ["s3:GetObject"] and reading["Resource"] == [
        arn for p in prefixes for arn in (f"arn:aws:s3:::ml-artifacts-us-east-1/{p}",
                                          f"arn:aws:s3:::ml-artifacts-us-east-1/{p}/*")]
    trust = json.loads(public_render.get(ROLE, f"{MEMBER}-model-reader-iam-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert "system:serviceaccount:inference:model-reader" in statement["Condition"]["StringEquals"].values()
    sa = public_render.find("ServiceAccount", "model-reader", cluster=MEMBER)
    assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith("model-reader-iam-role")
    assert sa["automountServiceAccountToken"] is False and "secrets" not in sa
    # The member joins Karmada once it can read models.
    agent = public_render.get(HELM_RELEASE, f"{MEMBER}-karmada-agent-release")
    assert "platform:cluster:ModelReader::aws-use1-model-reader" in agent.depends_on


def test_a_member_with_nothing_to_read_gets_a_role_that_reads_nothing():
    nothing = MemberModel(model="cpu-only", workload_class=WorkloadClass.ELASTIC, storage_uris=())
    r = render(outputs=private_outputs([nothing.to_output()]))  # a model reading nothing from S3
    policy = json.loads(r.get("aws:iam/rolePolicy:RolePolicy", f"{MEMBER}-model-reader-iam-policy").inputs["policy"])
    assert policy["Statement"] == [{"Sid": "NothingToRead", "Effect": "Deny", "Action": ["s3:*"], "Resource": "*"}]
