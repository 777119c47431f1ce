"""Names the platform derives from what a stack file names, checked before anything is registered against the
length and alphabet of the API that will receive them (the API server or Karmada would refuse them mid-update).

What is derived from a Karmada member name (the private cluster's `platform:cluster.name`, each
`platform:members[].name`, a public stack's `platform:memberName`): the Karmada `Cluster` object of that name and
Karmada's execution namespace `karmada-es-<name>` (components/karmada/control_plane.py EXECUTION_SPACE_PREFIX).
Karmada validates a cluster name as a DNS-1123 label of at most 48 characters, keeping 15 for that prefix
(karmada-io/karmada v1.18.2, pkg/apis/cluster/validation/validation.go, `clusterNameMaxLength`,
`ValidateClusterName`; the prefix: pkg/util/names/names.go `ExecutionSpacePrefix`).
Names derived from a model's name are bounded by the declaration (models/spec.py: a DNS-1123 label of at most 45
characters, room for KServe's suffixes); Helm release names are the platform's own constants.
"""
from __future__ import annotations

import re

from components.karmada.control_plane import EXECUTION_SPACE_PREFIX
from models.errors import ConfigError

KARMADA_CLUSTER_NAME_MAX = 48
DNS_LABEL_MAX = 63
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def dns_label_problem(name: str, maximum: int = DNS_LABEL_MAX) -> str | None:
    if not _DNS_LABEL.fullmatch(name) or len(name) > maximum:
        return (f"a DNS-1123 label of at most {maximum} characters: lower-case letters, digits and '-', starting and "
                "ending with a letter or digit")
    return None


def check_karmada_cluster_name(where: str, key: str, name: str) -> str:
    """`name` as a Karmada member cluster: its Cluster object and its execution namespace must both be valid."""
    problem = dns_label_problem(name, KARMADA_CLUSTER_NAME_MAX)
    if problem:
        raise ConfigError(where, key, name, problem + f" (a Karmada cluster name; Karmada derives the namespace "
                          f"'{EXECUTION_SPACE_PREFIX}<name>' from it)")
    namespace = EXECUTION_SPACE_PREFIX + name
    if dns_label_problem(namespace):  # holds by the bound above; kept so the bound cannot drift from the prefix
        raise ConfigError(where, key, name, f"a name whose execution namespace {namespace!r} is a DNS-1123 label")
    return name
