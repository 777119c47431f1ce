"""The egress rule every default-deny namespace needs first: cluster DNS.

kube-system pods labelled `k8s-app: kube-dns` on UDP and TCP 53 (kubeadm's CoreDNS and EKS's CoreDNS add-on carry
the same label). One rule, used by each namespace policy that denies egress by default.
"""
from __future__ import annotations

DNS_PORTS = ({"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53})


def dns_egress_rule() -> dict:
    """A NetworkPolicy egress rule admitting cluster DNS only."""
    return {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [dict(p) for p in DNS_PORTS]}
