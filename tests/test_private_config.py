"""The private stack's typed config: bad values fail before any resource, naming section, field and value."""
from __future__ import annotations

import pytest

from models.errors import ConfigError
from models.registry import load_catalog
from models.spec import Phase, Runtime
from stacks.private_config import DeploymentMode, read_private_config

CATALOG = load_catalog()


def config(**changes):
    base = {"phase": "hybrid", "namespace": "inference",
            "gpuPools": [{"gpuType": "t4", "gpuCount": 1}],
            "members": [{"name": "aws-use1", "region": "us-east-1",
                         "gpuPools": [{"gpuType": "a10g", "gpuCount": 1, "capacity": "spot"},
                                      {"gpuType": "t4", "gpuCount": 1, "capacity": "spot"}]}],
            "models": {"fraud-scorer": {"phase": "torchserve"}}}
    base.update(changes)
    return base


def fails(values, where, field, value_text):
    with pytest.raises(ConfigError) as info:
        read_private_config(values, CATALOG)
    err = info.value
    assert (err.where, err.field) == (where, field), str(err)
    assert value_text in str(err), str(err)
    return err


def test_a_valid_config_resolves_each_model():
    cfg = read_private_config(config(models={"fraud-scorer": {"phase": "torchserve"},
                                             "ticket-router": {"deploymentMode": "Knative"}}), CATALOG)
    by_name = {d.name: d for d in cfg.models}
    assert by_name["fraud-scorer"].phase is Phase.TORCHSERVE
    assert by_name["ticket-router"].phase is Phase.HYBRID  # inherits the stack's phase
    assert by_name["ticket-router"].runtime is Runtime.TORCHSERVE
    assert by_name["ticket-router"].mode is DeploymentMode.KNATIVE


def test_unknown_top_level_key_is_rejected():
    fails(config(modles={}), "platform", "modles", "{}")


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
    fails(config(models={"fraud-scorer": {"replicas": 3}}), "platform:models.fraud-scorer", "replicas", "3")


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
    cfg = read_private_config(config(models={"digit-reader": {"deploymentMode": "Standard", "minReplicas": 1}}),
                              CATALOG)
    assert cfg.models[0].model.scaling.min_replicas == 1


def test_mirroring_in_standard_mode_is_rejected():
    fails(config(models={"search-ranker": {"deploymentMode": "Standard"}}),
          "platform:models.search-ranker", "deploymentMode", "Standard")


def test_phase_one_keeps_one_replica_for_a_scale_to_zero_declaration():
    cfg = read_private_config(config(gpuPools=[{"gpuType": "a10g", "gpuCount": 1}],
                                     models={"doc-classifier-batch": {"phase": "torchserve"}}), CATALOG)
    assert cfg.models[0].model.scaling.min_replicas == 1


def test_per_environment_overrides_are_revalidated():
    cfg = read_private_config(config(models={"fraud-scorer": {"minReplicas": 3, "maxReplicas": 9}}), CATALOG)
    assert (cfg.models[0].model.scaling.min_replicas, cfg.models[0].model.scaling.max_replicas) == (3, 9)
    err = fails(config(models={"fraud-scorer": {"minReplicas": 8, "maxReplicas": 2}}),
                "platform:models.fraud-scorer", "maxReplicas", "2")
    assert "minReplicas (8)" in str(err)


def test_canary_percent_override_promotes_in_one_line():
    cfg = read_private_config(config(models={"digit-reader": {"canaryPercent": 100}}), CATALOG)
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
    members = [{"name": "aws-use1", "region": "us-east-1",
                "gpuPools": [{"gpuType": "a10g", "gpuCount": 1, "capacity": "on-demand"}]}]
    err = fails(config(members=members, models={"doc-classifier-batch": {}}),
                "platform:models.doc-classifier-batch", "workload_class", "batch")
    assert "Spot" in str(err) and "aws-use1" in str(err)


def test_members_before_phase_three_are_rejected():
    fails(config(phase="kserve"), "platform", "members", "aws-use1")


def test_bad_member_pool_is_rejected():
    fails(config(members=[{"name": "aws-use1", "region": "us-east-1", "gpuPools": [{"gpuType": "k80"}]}]),
          "platform:members[0].gpuPools[0]", "gpuType", "k80")
    fails(config(members=[{"name": "Bad Name", "region": "us-east-1"}]), "platform:members[0]", "name", "Bad Name")


def test_ab_test_in_standard_mode_is_rejected():
    err = fails(config(models={"churn-predictor": {"phase": "kserve", "deploymentMode": "Standard"}}),
                "platform:models.churn-predictor", "deploymentMode", "Standard")
    assert "A/B" in str(err)


def test_knative_canary_that_may_reach_a_new_public_member_is_rejected():
    err = fails(config(models={"digit-reader": {}}), "platform:models.digit-reader", "phase", "hybrid")
    assert "candidate" in str(err)
    # at 0 % (rollback's first step) the candidate's spec still runs with canaryTrafficPercent: refused too
    fails(config(models={"digit-reader": {"canaryPercent": 0}}), "platform:models.digit-reader", "phase", "hybrid")
    # fine on the private cluster, or once promoted
    for settings in ({"phase": "kserve"}, {"canaryPercent": 100}, {"phase": "kserve", "canaryPercent": 0}):
        read_private_config(config(models={"digit-reader": settings}), CATALOG)


def test_elastic_gpu_model_needs_an_on_demand_pool_somewhere():
    spot_only = [{"name": "aws-use1", "region": "us-east-1",
                  "gpuPools": [{"gpuType": "l4", "gpuCount": 1, "capacity": "spot"}]}]
    import dataclasses
    from models.spec import GpuType, Resources
    catalog = dict(CATALOG)
    catalog["ticket-router"] = dataclasses.replace(CATALOG["ticket-router"],
                                                   resources=Resources(gpu_count=1, gpu_type=GpuType.L4))
    with pytest.raises(ConfigError) as info:
        read_private_config(config(members=spot_only, models={"ticket-router": {}}), catalog)
    assert info.value.field == "resources.gpu" and "on-demand" in str(info.value)


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
    cfg = read_private_config(config(karmada={"apiEndpoint": "https://karmada.corp.example:5443"}), CATALOG)
    assert cfg.karmada_api_endpoint == "https://karmada.corp.example:5443"


def test_member_named_like_the_private_cluster_is_rejected():
    members = [dict(config()["members"][0], name="onprem")]
    err = fails(config(cluster={"name": "onprem"}, members=members), "platform:members[0]", "name", "'onprem'")
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
    cfg = read_private_config(config(namespace=None, kserve=None, karmada={"apiEndpoint": None},
                                     cluster={"name": None, "kubeconfigContext": None}), CATALOG)
    assert (cfg.namespace, cfg.ingress_domain, cfg.default_mode) == ("inference", "inference.internal",
                                                                      DeploymentMode.KNATIVE)
    assert (cfg.cluster_name, cfg.kubeconfig_context) == ("private", None)
    assert cfg.karmada_api_endpoint.startswith("https://karmada-apiserver.karmada-system.svc")
    fails(config(phase=None), "platform", "phase", "None")  # a required key stays required


def test_member_cloud_must_be_a_supported_one():
    members = [dict(config()["members"][0], cloud="gcp")]
    err = fails(config(members=members), "platform:members[0]", "cloud", "'gcp'")
    assert "'aws'" in err.expected


@pytest.mark.parametrize("region", ["US East", "us-east", "useast1", "us-east-1 ", "", 1])
def test_member_region_must_look_like_a_region(region):
    members = [dict(config()["members"][0], region=region)]
    fails(config(members=members), "platform:members[0]", "region", repr(region))


@pytest.mark.parametrize("region", ["us-east-1", "ap-southeast-2", "us-gov-west-1", "eu-central-12"])
def test_member_region_accepts_real_region_shapes(region):
    members = [dict(config()["members"][0], region=region)]
    assert read_private_config(config(members=members), CATALOG).members[0].region == region


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
    cfg = read_private_config(config(storage={"credentialsSecret": "s3-keys",
                                              "s3Endpoint": "https://minio.storage.internal:9000"}), CATALOG)
    assert (cfg.storage_credentials_secret, cfg.s3_endpoint) == ("s3-keys", "https://minio.storage.internal:9000")
    assert read_private_config(config(), CATALOG).storage_credentials_secret is None
    fails(config(storage={"credentialsSecret": "S3 Keys"}), "platform:storage", "credentialsSecret", "S3 Keys")
    fails(config(storage={"s3Endpoint": "minio:9000"}), "platform:storage", "s3Endpoint", "minio:9000")
    fails(config(storage={"s3Endpoint": "https://minio/bucket"}), "platform:storage", "s3Endpoint", "/bucket")
    fails(config(storage={"accessKey": "AKIA..."}), "platform:storage", "accessKey", "AKIA")


def test_an_on_premises_s3_store_needs_a_mirror_for_every_model_a_member_may_run():
    # ticket-router (elastic T4) may overflow to aws-use1's on-demand T4s; its bucket exists only on premises.
    members = [{"name": "aws-use1", "region": "us-east-1",
                "gpuPools": [{"gpuType": "t4", "gpuCount": 1, "capacity": "on-demand"}]}]
    values = config(members=members, models={"ticket-router": {}},
                    storage={"s3Endpoint": "https://minio.storage.internal:9000"})
    err = fails(values, "platform:models.ticket-router", "storage_uri", "s3://ml-artifacts/ticket-router/v5")
    assert "aws-use1" in str(err) and "us-east-1" in str(err)
    # with a mirror in the member's region it is read from there; without the on-prem endpoint, AWS S3 is the store
    mirrored = dict(values, bucketMirrors=[{"source": "s3://ml-artifacts", "mirror": "s3://ml-artifacts-use1",
                                           "region": "us-east-1"}])
    assert read_private_config(mirrored, CATALOG).s3_endpoint == "https://minio.storage.internal:9000"
    assert read_private_config(config(members=members, models={"ticket-router": {}}), CATALOG)
    fails(config(storage={"s3Endpoint": "https://minio:99999"}), "platform:storage", "s3Endpoint", "99999")
