"""Issue 13, finding 3: Prometheus alerts before any Karmada certificate the private stack mints enters its renewal
window (30 days), from the expiry dates the stack knows; renders on every `pulumi up` with the current dates."""
from __future__ import annotations

import copy

import pytest

from components.security.certificate_expiry_rule import CertificateExpiryRuleArgs, prometheus_rule
from stacks.__main__ import load_stack_file, render_config
from tests.crd_schema import validate_custom_resource
from tests.test_private_config import config, fails
from tests.messages import exactly

# Fake issue date 2030-01-01 (stacks/fake_cloud.py): CAs expire 2039-12-30, leaves 2031-01-01; minus 30 days.
CA_ALERT_AT = 2206224000    # date -d 2039-12-30T00:00:00Z +%s, minus 2,592,000
LEAF_ALERT_AT = 1922400000  # date -d 2031-01-01T00:00:00Z +%s, minus 2,592,000


def test_one_alert_per_certificate_from_its_renewal_window(private_render):
    rule = private_render.find("PrometheusRule", "karmada-certificate-expiry", cluster="private")
    assert rule["metadata"]["namespace"] == "monitoring"
    [group] = rule["spec"]["groups"]
    assert group["name"] == "karmada-certificates"
    assert [(r["labels"]["certificate"], r["expr"]) for r in group["rules"]] == [
        ("admin", f"vector(time()) > {LEAF_ALERT_AT}"),
        ("agent-aws-use1", f"vector(time()) > {LEAF_ALERT_AT}"),
        ("ca", f"vector(time()) > {CA_ALERT_AT}"),
        ("front-proxy-ca", f"vector(time()) > {CA_ALERT_AT}"),
        ("front-proxy-client", f"vector(time()) > {LEAF_ALERT_AT}"),
        ("server", f"vector(time()) > {LEAF_ALERT_AT}"),
    ]
    for r in group["rules"]:
        assert r["alert"] == "KarmadaCertificateExpiresSoon" and r["labels"]["severity"] == "warning"
    assert group["rules"][2]["annotations"]["summary"] == "Karmada certificate ca expires at 2039-12-30T00:00:00Z"
    validate_custom_resource(rule)


def test_the_threshold_moves_with_the_expiry_date_and_the_window():
    rule = prometheus_rule({"server": "2031-01-01T00:00:00Z"}, 1, "monitoring")
    assert rule["spec"]["groups"][0]["rules"][0]["expr"] == "vector(time()) > 1924988400"  # one hour before
    rule = prometheus_rule({"server": "2031-01-01T00:00:01Z"}, 24, "ops")
    assert rule["spec"]["groups"][0]["rules"][0]["expr"] == "vector(time()) > 1924905601"
    assert rule["metadata"]["namespace"] == "ops"


def test_the_window_must_be_positive():
    CertificateExpiryRuleArgs(expiry={}, warn_before_hours=1)
    with pytest.raises(ValueError, match="warn_before_hours: got 0") as raised:
        CertificateExpiryRuleArgs(expiry={}, warn_before_hours=0)
    exactly(str(raised.value))


def test_the_rule_is_left_out_where_no_prometheus_operator_runs():
    values = copy.deepcopy(load_stack_file("private"))
    values["platform:karmada"]["expiryAlerts"] = False
    r = render_config("private", values)  # with its members' stack references answered, as the render does
    assert not [o for o in r.objects() if o["kind"] == "PrometheusRule"]


def test_expiry_alerts_is_a_boolean():
    fails(config(karmada={"expiryAlerts": "yes"}), "platform:karmada", "expiryAlerts", "yes")
