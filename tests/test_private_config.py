"""The private stack's typed config: bad values fail before any resource, naming section, field and value."""
from __future__ import annotations

import pytest

from models.errors import ConfigError
from models.registry import load_catalog
from models.spec import Phase, Runtime
from stacks.private_config import DeploymentMode, read_private_config
from stacks.private_plan import plan_private
from tests.messages import exactly

CATALOG = load_catalog()
T4_ON_DEMAND = {"name": "t4-ondemand", "gpuType": "t4", "capacity": "on-demand",
                "instanceTypes": ["g4dn.xlarge", "g4dn.2xlarge"], "minSize": 1, "maxSize": 2}
A10G_SPOT = {"name": "a10g-spot", "gpuType": "a10g", "capacity": "spot", "instanceTypes": ["g5.2xlarge", "g5.4xlarge"],
             "maxSize": 2}
T4_SPOT = {"name": "t4-spot", "gpuType": "t4", "capacity": "spot", "maxSize": 2}


def public_stack(groups=(A10G_SPOT, T4_SPOT, T4_ON_DEMAND), region="us-east-1", member="aws-use1"):
    """A member's own stack file (its config map), the one place its region and node groups are declared."""
    return {"aws:region": region, "platform:privateStack": "organization/inference-platform/private",
            "platform:memberName": member, "platform:eks": {"subnetIds": ["subnet-0a1b2c3d4e5f60001"],
                                                                        "adminRoleArns": ["arn:aws:iam::123456789012:role/platform-deploy"]},
            "platform:gpuNodeGroups": [dict(g) for g in groups],
            "platform:mesh": {"eastWestSourceRanges": ["198.51.100.0/24"]}}


def config(**changes):
    base = {"phase": "hybrid", "namespace": "inference",
            "gpuPools": [{"gpuType": "t4", "gpuCount": 1}],
            "members": ["public"],
            "models": {"fraud-scorer": {"phase": "torchserve"}}}
    base.update(changes)
    return base


def check(values, stacks=None, catalog=CATALOG):
    """Read the stack file and plan it, as the private stack does before registering anything."""
    stacks = stacks or {"public": public_stack()}
    cfg = read_private_config(values, catalog, stack_files=lambda name: stacks[name])
    return cfg, plan_private(cfg)


def read(values):
    """The stack file alone, as `read_private_config` checks it (placement not planned)."""
    return read_private_config(values, CATALOG, stack_files=lambda name: public_stack())


def fails(values, where, field, value_text, stacks=None, catalog=CATALOG):
    with pytest.raises(ConfigError) as info:
        check(values, stacks, catalog)
    err = info.value
    exactly(str(err))
    assert (err.where, err.field) == (where, field), str(err)
    assert value_text in str(err), str(err)
    return err


def test_a_valid_config_resolves_each_model():
    cfg, _ = check(config(models={"fraud-scorer": {"phase": "torchserve"},
                                             "ticket-router": {"deploymentMode": "Standard"}}))
    by_name = {d.name: d for d in cfg.models}
    assert by_name["fraud-scorer"].phase is Phase.TORCHSERVE
    assert by_name["ticket-router"].phase is Phase.HYBRID  # inherits the stack's phase
    assert by_name["ticket-router"].runtime is Runtime.TORCHSERVE
    assert by_name["ticket-router"].mode is DeploymentMode.STANDARD


def test_unknown_top_level_key_is_rejected():
    fails(config(modles={}), "platform", "key", "'modles'")


def test_unknown_phase_is_rejected():
    err = fails(config(phase="phase-2"), "platform", "phase", "phase-2")
    assert "'kserve'" in str(err)


def test_unknown_model_is_rejected_and_known_ones_listed():
    err = fails(config(models={"no-such-model": {}}), "platform:models", "model", "no-such-model")
    assert "fraud-scorer" in str(err)


def test_model_ahead_of_the_stack_phase_is_rejected():
    fails(config(phase="torchserve", members=[], models={"fraud-scorer": {"phase": "kserve"}}),
          "platform:models.fraud-scorer", "phase", "kserve")


def test_unknown_model_setting_is_rejected():
    fails(config(models={"fraud-scorer": {"replicas": 3}}), "platform:models.fraud-scorer", "key", "'replicas'")


def test_triton_at_phase_one_is_rejected():
    fails(config(models={"fraud-scorer": {"phase": "torchserve", "runtime": "triton"}}),
          "platform:models.fraud-scorer", "runtime", "triton")


def test_rollout_at_phase_one_is_rejected():
    err = fails(config(models={"churn-predictor": {"phase": "torchserve"}}),
                "platform:models.churn-predictor", "phase", "torchserve")
    assert "ABTest" in str(err)


def test_scale_to_zero_in_standard_mode_is_rejected():
    # digit-reader declares min_replicas 0
    err = fails(config(models={"digit-reader": {"deploymentMode": "Standard"}}),
                "platform:models.digit-reader", "deploymentMode", "Standard")
    assert "KEDA" in str(err)


def test_standard_mode_accepts_scale_to_zero_model_once_min_replicas_is_raised():
    cfg = read(config(models={"digit-reader": {"deploymentMode": "Standard", "minReplicas": 1}}))
    assert cfg.models[0].model.scaling.min_replicas == 1


def test_mirroring_in_standard_mode_is_rejected():
    fails(config(models={"search-ranker": {"deploymentMode": "Standard"}}),
          "platform:models.search-ranker", "deploymentMode", "Standard")


def test_phase_one_keeps_one_replica_for_a_scale_to_zero_declaration():
    cfg = read(config(gpuPools=[{"gpuType": "a10g", "gpuCount": 1}],
                                     models={"doc-classifier-batch": {"phase": "torchserve"}}))
    assert cfg.models[0].model.scaling.min_replicas == 1


def test_per_environment_overrides_are_revalidated():
    cfg = read(config(models={"fraud-scorer": {"minReplicas": 3, "maxReplicas": 9}}))
    assert (cfg.models[0].model.scaling.min_replicas, cfg.models[0].model.scaling.max_replicas) == (3, 9)
    err = fails(config(models={"fraud-scorer": {"minReplicas": 8, "maxReplicas": 2}}),
                "platform:models.fraud-scorer", "maxReplicas", "2")
    assert "minReplicas (8)" in str(err)


def test_canary_percent_override_promotes_in_one_line():
    cfg = read(config(models={"digit-reader": {"canaryPercent": 100}}))
    assert cfg.models[0].model.rollout.traffic_percent == 100
    fails(config(models={"digit-reader": {"canaryPercent": 101}}),
          "platform:models.digit-reader", "canaryPercent", "101")
    fails(config(models={"fraud-scorer": {"canaryPercent": 10}}),
          "platform:models.fraud-scorer", "canaryPercent", "10")


def test_gpu_model_needs_a_private_pool_that_holds_it():
    err = fails(config(gpuPools=[{"gpuType": "a10g", "gpuCount": 1}], models={"digit-reader": {"phase": "kserve"}}),
                "platform:models.digit-reader", "resources.gpu", "1x t4")
    assert "a10g" in str(err)


def test_batch_model_needs_a_spot_pool_on_some_member():
    on_demand = {"public": public_stack([dict(A10G_SPOT, name="a10g-od", capacity="on-demand", minSize=1)])}
    err = fails(config(models={"doc-classifier-batch": {}}), "platform:models.doc-classifier-batch",
                "workload_class", "batch", stacks=on_demand)
    assert "Spot" in str(err) and "aws-use1 offers 1x a10g (on-demand)" in str(err)


def test_members_before_phase_three_are_rejected():
    fails(config(phase="kserve"), "platform", "members", "aws-use1")


def test_a_mistake_in_a_member_stack_file_names_that_file():
    fails(config(), "Pulumi.public.yaml platform:gpuNodeGroups[0]", "gpuType", "k80",
          stacks={"public": public_stack([dict(T4_SPOT, gpuType="k80")])})
    fails(config(), "Pulumi.public.yaml platform", "memberName", "Bad Name",
          stacks={"public": public_stack(member="Bad Name")})


def test_members_are_named_by_their_public_stack():
    fails(config(members=["private"]), "platform:members[0]", "stack", "'private'")
    fails(config(members=[{"name": "aws-use1"}]), "platform:members[0]", "stack", "'name'")
    err = fails(config(members=["public", "second-public"]), "platform:members[1]", "memberName", "aws-use1",
                stacks={"public": public_stack(), "second-public": public_stack()})
    assert "unique" in err.expected


def test_members_pools_come_from_their_node_groups():
    cfg, _ = check(config())
    (member,) = cfg.members
    assert (member.name, member.cloud, member.region) == ("aws-use1", "aws", "us-east-1")
    assert [(g.gpu_type.value, g.gpu_count, g.capacity.value) for g in member.gpu_pools] == [
        ("a10g", 1, "spot"), ("t4", 1, "spot"), ("t4", 1, "on-demand")]


def test_ab_test_in_standard_mode_is_rejected():
    err = fails(config(models={"churn-predictor": {"phase": "kserve", "deploymentMode": "Standard"}}),
                "platform:models.churn-predictor", "deploymentMode", "Standard")
    assert "A/B" in str(err)


def test_knative_canary_that_may_reach_a_new_public_member_is_rejected():
    err = fails(config(models={"digit-reader": {}}), "platform:models.digit-reader", "phase", "hybrid")
    assert "revision" in str(err)
    # at 0 % (rollback's first step) the candidate's spec still runs with canaryTrafficPercent: refused too
    fails(config(models={"digit-reader": {"canaryPercent": 0}}), "platform:models.digit-reader", "phase", "hybrid")
    # fine on the private cluster (once promoted at phase 3 it is a Knative model spanning clusters: refused as such)
    for settings in ({"phase": "kserve"}, {"phase": "kserve", "canaryPercent": 0}):
        check(config(models={"digit-reader": settings}))
    fails(config(models={"digit-reader": {"canaryPercent": 100}}), "platform:models.digit-reader", "deploymentMode",
          "'Knative'")


def test_a_model_spanning_clusters_needs_standard_mode():
    # ticket-router (elastic, 1x T4) may overflow from the private T4s to aws-use1's on-demand T4s.
    err = fails(config(models={"ticket-router": {"deploymentMode": "Knative"}}), "platform:models.ticket-router",
                "deploymentMode", "'Knative'")
    assert "'Standard'" in err.expected and "aws-use1" in err.expected
    _, plan = check(config(models={"ticket-router": {"deploymentMode": "Standard"}}))
    assert plan.placements["ticket-router"].spans_clusters
    # Without an on-demand T4 group on the member the model stays private, and Knative is fine.
    _, plan = check(config(models={"ticket-router": {}}), stacks={"public": public_stack([A10G_SPOT, T4_SPOT])})
    assert plan.placements["ticket-router"].clusters == ("private",)


def test_a_model_spanning_clusters_runs_no_rollout():
    err = fails(config(models={"digit-reader": {"deploymentMode": "Standard", "minReplicas": 1}}),
                "platform:models.digit-reader", "phase", "hybrid")
    assert "Canary runs" in err.expected
    check(config(models={"digit-reader": {"deploymentMode": "Standard", "minReplicas": 1, "canaryPercent": 100}}))


def test_elastic_gpu_model_needs_an_on_demand_pool_somewhere():
    import dataclasses
    from models.spec import GpuType, Resources
    catalog = dict(CATALOG)
    catalog["ticket-router"] = dataclasses.replace(CATALOG["ticket-router"],
                                                   resources=Resources(gpu_count=1, gpu_type=GpuType.L4))
    spot_only = {"public": public_stack([{"name": "l4-spot", "gpuType": "l4", "capacity": "spot", "maxSize": 2}])}
    err = fails(config(models={"ticket-router": {}}), "platform:models.ticket-router", "resources.gpu", "1x l4",
                stacks=spot_only, catalog=catalog)
    assert "on-demand" in str(err)


def test_a_member_whose_node_groups_cannot_host_its_share_fails_before_anything_exists():
    cold = {"public": public_stack([A10G_SPOT, T4_SPOT, dict(T4_ON_DEMAND, minSize=0)])}
    err = fails(config(models={"ticket-router": {"deploymentMode": "Standard"}}),
                "member 'aws-use1' platform:gpuNodeGroups[2] (t4-ondemand)", "minSize", "0", stacks=cold)
    assert "elastic overflow" in err.expected
    small = {"public": public_stack([dict(A10G_SPOT, instanceTypes=None), T4_SPOT, T4_ON_DEMAND])}
    small["public"]["platform:gpuNodeGroups"][0].pop("instanceTypes")  # default: g5.xlarge first, too small
    err = fails(config(models={"doc-classifier-batch": {}}), "member 'aws-use1' (model 'doc-classifier-batch')",
                "cpu", "'4'", stacks=small)
    assert "g5.xlarge" in err.expected


# -- Checks that used to fail late (after resources were registered), or not at all --------------------------


@pytest.mark.parametrize("endpoint,needle", [
    ("https://", "with a host"),
    ("http://karmada.corp.example:5443", "https://"),
    ("https://karmada.corp.example:notaport", "port"),
    ("https://karmada-apiserver.other.svc:5443", "karmada-apiserver.karmada-system.svc"),
])
def test_karmada_api_endpoint_the_control_plane_would_refuse_fails_in_the_config(endpoint, needle):
    err = fails(config(karmada={"apiEndpoint": endpoint}), "platform:karmada", "apiEndpoint", repr(endpoint))
    assert needle in err.expected


def test_karmada_api_endpoint_outside_the_cluster_is_accepted():
    cfg, _ = check(config(karmada={"apiEndpoint": "https://karmada.corp.example:5443"}))
    assert cfg.karmada_api_endpoint == "https://karmada.corp.example:5443"


def test_member_named_like_the_private_cluster_is_rejected():
    err = fails(config(cluster={"name": "aws-use1"}), "platform:members[0]", "memberName", "'aws-use1'")
    assert "platform:cluster.name" in str(err)


@pytest.mark.parametrize("key,value", [("source", "https://"), ("source", "s3://"), ("mirror", "https://"),
                                       ("source", "pvc://claim/models"), ("mirror", "ml-artifacts")])
def test_bucket_mirror_without_a_bucket_or_host_is_rejected(key, value):
    mirror = {"source": "s3://ml-artifacts", "mirror": "s3://ml-artifacts-us-east-1", "region": "us-east-1"}
    fails(config(bucketMirrors=[dict(mirror, **{key: value})]), "platform:bucketMirrors[0]", key, repr(value))


@pytest.mark.parametrize("namespace", ["default", "kube-system", "kube-public", "istio-system", "knative-serving",
                                       "knative-operator", "kserve", "cert-manager", "karmada-system",
                                       "karmada-cluster", "karmada-es-aws-use1"])
def test_namespace_the_platform_or_kubernetes_owns_is_rejected(namespace):
    err = fails(config(namespace=namespace), "platform", "namespace", repr(namespace))
    assert "kube-*" in err.expected


def test_null_values_count_as_absent_so_defaults_apply():
    """`platform:namespace: ~` and `platform:kserve:` with every key commented out read as not set."""
    cfg = read(config(namespace=None, kserve=None, karmada={"apiEndpoint": None},
                                     cluster={"name": None, "kubeconfigContext": None}))
    assert (cfg.namespace, cfg.ingress_domain, cfg.default_mode) == ("inference", "inference.internal",
                                                                      DeploymentMode.KNATIVE)
    assert (cfg.cluster_name, cfg.kubeconfig_context) == ("private", None)
    assert cfg.karmada_api_endpoint.startswith("https://karmada-apiserver.karmada-system.svc")
    fails(config(phase=None), "platform", "phase", "None")  # a required key stays required


@pytest.mark.parametrize("region", ["US East", "us-east", "useast1", "us-east-1 ", "", 1])
def test_member_region_must_look_like_a_region(region):
    fails(config(), "Pulumi.public.yaml aws", "region", repr(region), stacks={"public": public_stack(region=region)})


@pytest.mark.parametrize("region", ["us-east-1", "ap-southeast-2", "us-gov-west-1", "eu-central-12"])
def test_member_region_accepts_real_region_shapes(region):
    cfg, _ = check(config(), stacks={"public": public_stack(region=region)})
    assert cfg.members[0].region == region


@pytest.mark.parametrize("domain", ["https://inference.example.com", "", "Inference.Example.com",
                                    "inference.example.com:443", "inference.example.com/path", "-bad.example"])
def test_ingress_domain_must_be_a_dns_subdomain(domain):
    fails(config(kserve={"ingressDomain": domain}), "platform:kserve", "ingressDomain", repr(domain))


def test_min_replicas_above_the_declared_max_names_the_key_the_user_set():
    # fraud-scorer declares max_replicas 6
    err = fails(config(models={"fraud-scorer": {"minReplicas": 50}}), "platform:models.fraud-scorer",
                "minReplicas", "50")
    assert "max_replicas (6)" in err.expected and "maxReplicas" in err.expected
    err = fails(config(models={"fraud-scorer": {"maxReplicas": 1, "phase": "kserve"}}),
                "platform:models.fraud-scorer", "maxReplicas", "1")
    assert "min_replicas" in err.expected


def test_storage_names_an_existing_secret_and_an_s3_compatible_endpoint():
    cfg = read(config(storage={"credentialsSecret": "s3-keys",
                                              "s3Endpoint": "https://minio.storage.internal:9000"}))
    assert (cfg.storage_credentials_secret, cfg.s3_endpoint) == ("s3-keys", "https://minio.storage.internal:9000")
    assert read(config()).storage_credentials_secret is None
    fails(config(storage={"credentialsSecret": "S3 Keys"}), "platform:storage", "credentialsSecret", "S3 Keys")
    fails(config(storage={"s3Endpoint": "minio:9000"}), "platform:storage", "s3Endpoint", "minio:9000")
    fails(config(storage={"s3Endpoint": "https://minio/bucket"}), "platform:storage", "s3Endpoint", "/bucket")
    assert "AKIA" not in str(fails(config(storage={"accessKey": "AKIA..."}), "platform:storage", "key", "'accessKey'"))


def test_an_on_premises_s3_store_needs_a_mirror_for_every_model_a_member_may_run():
    # ticket-router (elastic T4) may overflow to aws-use1's on-demand T4s; its bucket exists only on premises.
    values = config(models={"ticket-router": {"deploymentMode": "Standard"}},
                    storage={"s3Endpoint": "https://minio.storage.internal:9000"})
    err = fails(values, "platform:models.ticket-router", "storage_uri", "s3://ml-artifacts/ticket-router/v5")
    assert "aws-use1" in str(err) and "us-east-1" in str(err)
    # with a mirror in the member's region it is read from there; without the on-prem endpoint, AWS S3 is the store
    mirrored = dict(values, bucketMirrors=[{"source": "s3://ml-artifacts", "mirror": "s3://ml-artifacts-use1",
                                           "region": "us-east-1"}])
    cfg, plan = check(mirrored)
    assert plan.contracts["aws-use1"].models[0].storage_uris == ("s3://ml-artifacts-use1/ticket-router/v5",)
    assert check(config(models={"ticket-router": {"deploymentMode": "Standard"}}))
    fails(config(storage={"s3Endpoint": "https://minio:99999"}), "platform:storage", "s3Endpoint", "99999")


# -- the Karmada API server's exposure and etcd storage (issue 8 defect 8, issue 11) ---------------------------

def test_karmada_defaults_need_nothing_from_a_bare_cluster():
    cfg = read_private_config(config(), CATALOG)
    assert (cfg.karmada_service_type, cfg.karmada_node_port, cfg.karmada_load_balancer_sources) == (
        "ClusterIP", None, ())
    assert (cfg.karmada_etcd_storage_class, cfg.karmada_etcd_storage_size) == (None, "5Gi")


def test_the_example_stack_file_exposes_karmada_without_a_load_balancer():
    from stacks.__main__ import load_stack_file
    values = {k.split(":", 1)[1]: v for k, v in load_stack_file("private").items() if k.startswith("platform:")}
    cfg = read_private_config(values, CATALOG)
    assert (cfg.karmada_service_type, cfg.karmada_node_port) == ("NodePort", 32443)
    assert cfg.karmada_api_endpoint == "https://karmada.corp.example:32443"


@pytest.mark.parametrize("port", [30000, 32767])
def test_karmada_node_port_at_both_ends_of_the_range(port):
    cfg = read_private_config(config(karmada={"serviceType": "NodePort", "nodePort": port}), CATALOG)
    assert cfg.karmada_node_port == port


@pytest.mark.parametrize("port", [29999, 32768])
def test_karmada_node_port_outside_the_range_is_rejected(port):
    fails(config(karmada={"serviceType": "NodePort", "nodePort": port}), "platform:karmada", "nodePort", str(port))


def test_karmada_node_port_needs_service_type_node_port():
    fails(config(karmada={"nodePort": 32443}), "platform:karmada", "nodePort", "32443")


def test_karmada_load_balancer_needs_source_ranges():
    err = fails(config(karmada={"serviceType": "LoadBalancer"}), "platform:karmada", "loadBalancerSourceRanges", "[]")
    assert "CIDRs" in str(err)
    cfg = read_private_config(config(karmada={"serviceType": "LoadBalancer",
                                              "loadBalancerSourceRanges": ["203.0.113.0/24", "198.51.100.7/32"]}),
                              CATALOG)
    assert cfg.karmada_load_balancer_sources == ("203.0.113.0/24", "198.51.100.7/32")


def test_karmada_source_ranges_must_be_cidrs_and_need_a_load_balancer():
    fails(config(karmada={"serviceType": "LoadBalancer", "loadBalancerSourceRanges": ["203.0.113.0/33"]}),
          "platform:karmada", "loadBalancerSourceRanges", "203.0.113.0/33")
    # open to the world, or not a string (ipaddress reads the integer 5 as 0.0.0.5/32): refused, one line
    for bad, shown in (("0.0.0.0/0", "0.0.0.0/0"), ("::/0", "::/0"), (5, "5")):
        err = fails(config(karmada={"serviceType": "LoadBalancer", "loadBalancerSourceRanges": [bad]}),
                    "platform:karmada", "loadBalancerSourceRanges", shown)
        assert "not 0.0.0.0/0" in err.expected
    check(config(karmada={"serviceType": "LoadBalancer", "loadBalancerSourceRanges": ["128.0.0.0/1"]}))
    fails(config(karmada={"loadBalancerSourceRanges": ["203.0.113.0/24"]}), "platform:karmada",
          "loadBalancerSourceRanges", "203.0.113.0/24")


def test_karmada_etcd_storage_class_and_size():
    cfg = read_private_config(config(karmada={"etcdStorageClass": "ceph-rbd", "etcdStorageSize": "20Gi"}), CATALOG)
    assert (cfg.karmada_etcd_storage_class, cfg.karmada_etcd_storage_size) == ("ceph-rbd", "20Gi")
    fails(config(karmada={"etcdStorageSize": "20GB"}), "platform:karmada", "etcdStorageSize", "20GB")


def test_client_namespaces_are_namespace_names_other_than_the_models_and_the_systems():
    assert read(config(clientNamespaces=["payments", "a", "risk-scoring"])).client_namespaces == (
        "payments", "a", "risk-scoring")
    assert read(config()).client_namespaces == ()
    assert read(config(clientNamespaces=["x" * 63])).client_namespaces == ("x" * 63,)
    fails(config(clientNamespaces=["x" * 64]), "platform", "clientNamespaces", "x" * 64)
    fails(config(clientNamespaces=["Payments"]), "platform", "clientNamespaces", "Payments")
    fails(config(clientNamespaces=[7]), "platform", "clientNamespaces", "7")
    fails(config(clientNamespaces=["inference"]), "platform", "clientNamespaces", "inference")
    fails(config(clientNamespaces=["istio-system"]), "platform", "clientNamespaces", "istio-system")
    fails(config(clientNamespaces=["kube-public"]), "platform", "clientNamespaces", "kube-public")
    fails(config(clientNamespaces=["payments", "payments"]), "platform", "clientNamespaces", "payments")
    fails(config(clientNamespaces="payments"), "platform", "clientNamespaces", "payments")


# -- refusals no other test provokes (each message as reviewed in tests/golden/messages.json) ------------------------


@pytest.mark.parametrize("karmada, field_name", [
    ({"agentCredentialGenerations": ["aws-use1"]}, "agentCredentialGenerations"),
    ({"agentCredentialGenerations": {"aws-use1": 0}}, "agentCredentialGenerations.aws-use1"),
    ({"agentCredentialGenerations": {"aws-use1": True}}, "agentCredentialGenerations.aws-use1"),
    ({"agentCredentialGenerations": {"aws-euw9": 2}}, "agentCredentialGenerations"),
    ({"apiServerCidrs": "10.0.0.10/32"}, "apiServerCidrs"),
], ids=["not-a-map", "zero", "bool", "not-a-member", "cidrs-not-a-list"])
def test_karmada_section_refusals(karmada, field_name):
    fails(config(karmada=karmada), "platform:karmada", field_name, "")


def test_agent_generations_reach_their_member():
    cfg, _ = check(config(karmada={"agentCredentialGenerations": {"aws-use1": 1}}))
    assert [(m.name, m.credential_generation) for m in cfg.members] == [("aws-use1", 1)]
    cfg, _ = check(config(karmada={"agentCredentialGenerations": {"aws-use1": 3}}))
    assert [(m.name, m.credential_generation) for m in cfg.members] == [("aws-use1", 3)]


def test_models_must_be_a_mapping():
    fails(config(models=["fraud-scorer"]), "platform", "models", "['fraud-scorer']")
