"""The EC2 instance types the platform offers for GPU node groups, and what a pod can request on one of them.

Table values are AWS's published specifications (vCPUs, memory in GiB, GPUs; EC2 "Accelerated computing"
instance specifications) and the VPC CNI's maximum pods per type (`eni-max-pods.txt` of awslabs/amazon-eks-ami,
which nodeadm uses for kubelet's `maxPods` on AL2023). A type that is not in the table cannot be used by a GPU node
group: the fit check below would have nothing to compute with.

Allocatable (what the scheduler, and the cluster autoscaler's template node, can hand to pods) is estimated as
the instance's nominal resources minus a reserve:
- memory the OS and firmware keep before kubelet starts: VM_MEMORY_OVERHEAD (7.5 %) of the nominal memory (the
  heuristic Karpenter uses by default, `vmMemoryOverheadPercent` 0.075: kubelet's capacity is below the nominal
  size);
- kube-reserved as EKS's AL2023 nodeadm computes it: CPU 6 % of the first core, 1 % of the second, 0.5 % of the
  third and fourth, 0.25 % of every further core; memory 11 MiB per pod of `maxPods` + 255 MiB;
- kubelet's hard eviction threshold `memory.available` 100Mi (nodeadm's default);
- the DaemonSets every GPU node runs (aws-node 25m, kube-proxy 100m, the NVIDIA device plugin 50m/64Mi; the
  figure keeps the headroom a node termination handler took before it was dropped): DAEMONSET_CPU_M /
  DAEMONSET_MEMORY_MIB, rounded up.
This is an estimate on the safe side, not kubelet's exact number; a request within it fits the node.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Optional

from models.spec import GpuType

VM_MEMORY_OVERHEAD = Fraction(75, 1000)
EVICTION_HARD_MEMORY_MIB = 100
DAEMONSET_CPU_M = 250
DAEMONSET_MEMORY_MIB = 256


@dataclass(frozen=True)
class InstanceType:
    name: str
    vcpu: int
    memory_gib: int
    gpu_type: Optional[GpuType]
    gpu_count: int
    max_pods: int

    @property
    def shape(self) -> tuple[int, int]:
        """(vCPUs, memory GiB): what the cluster autoscaler compares when it calls node groups similar."""
        return self.vcpu, self.memory_gib

    def kube_reserved_cpu_m(self) -> int:
        millis = self.vcpu * 1000
        bands = ((0, 1000, 600), (1000, 2000, 100), (2000, 4000, 50), (4000, millis, 25))  # per 10000
        return sum((min(millis, end) - start) * pct // 10000 for start, end, pct in bands if millis > start)

    def kube_reserved_memory_mib(self) -> int:
        return 11 * self.max_pods + 255

    def allocatable_cpu_m(self) -> int:
        """Millicores pods can request on one node of this type (see the module's reserve)."""
        return self.vcpu * 1000 - self.kube_reserved_cpu_m() - DAEMONSET_CPU_M

    def allocatable_memory_mib(self) -> int:
        """MiB pods can request on one node of this type (see the module's reserve)."""
        nominal = self.memory_gib * 1024
        return int(nominal - nominal * VM_MEMORY_OVERHEAD) - self.kube_reserved_memory_mib() \
            - EVICTION_HARD_MEMORY_MIB - DAEMONSET_MEMORY_MIB

    def describe(self) -> str:
        gpus = f", {self.gpu_count}x {self.gpu_type.value}" if self.gpu_type else ""
        return f"{self.name} ({self.vcpu} vCPU, {self.memory_gib} GiB{gpus})"


def _t(name: str, vcpu: int, memory_gib: int, gpu_type: Optional[GpuType], gpu_count: int, max_pods: int
       ) -> tuple[str, InstanceType]:
    return name, InstanceType(name, vcpu, memory_gib, gpu_type, gpu_count, max_pods)


T4, A10G, L4, A100 = GpuType.T4, GpuType.A10G, GpuType.L4, GpuType.A100

# name: (vCPU, memory GiB, GPU class, GPUs, VPC CNI max pods)
INSTANCE_TABLE: Mapping[str, InstanceType] = dict([
    _t("g4dn.xlarge", 4, 16, T4, 1, 29), _t("g4dn.2xlarge", 8, 32, T4, 1, 29),
    _t("g4dn.4xlarge", 16, 64, T4, 1, 29), _t("g4dn.8xlarge", 32, 128, T4, 1, 58),
    _t("g4dn.16xlarge", 64, 256, T4, 1, 58), _t("g4dn.12xlarge", 48, 192, T4, 4, 234),
    _t("g4dn.metal", 96, 384, T4, 8, 737),
    _t("g5.xlarge", 4, 16, A10G, 1, 58), _t("g5.2xlarge", 8, 32, A10G, 1, 58),
    _t("g5.4xlarge", 16, 64, A10G, 1, 234), _t("g5.8xlarge", 32, 128, A10G, 1, 234),
    _t("g5.16xlarge", 64, 256, A10G, 1, 234), _t("g5.12xlarge", 48, 192, A10G, 4, 737),
    _t("g5.24xlarge", 96, 384, A10G, 4, 737), _t("g5.48xlarge", 192, 768, A10G, 8, 345),
    _t("g6.xlarge", 4, 16, L4, 1, 58), _t("g6.2xlarge", 8, 32, L4, 1, 58),
    _t("g6.4xlarge", 16, 64, L4, 1, 234), _t("g6.8xlarge", 32, 128, L4, 1, 234),
    _t("g6.16xlarge", 64, 256, L4, 1, 737), _t("gr6.4xlarge", 16, 128, L4, 1, 234),
    _t("gr6.8xlarge", 32, 256, L4, 1, 234), _t("g6.12xlarge", 48, 192, L4, 4, 234),
    _t("g6.24xlarge", 96, 384, L4, 4, 737), _t("g6.48xlarge", 192, 768, L4, 8, 737),
    _t("p4d.24xlarge", 96, 1152, A100, 8, 737), _t("p4de.24xlarge", 96, 1152, A100, 8, 737),
])


def known_types() -> str:
    return ", ".join(INSTANCE_TABLE)


def fit_problems(itype: InstanceType, cpu: Optional[Fraction], memory: Optional[Fraction]) -> list[tuple[str, str]]:
    """(field, 'requested X, allocatable Y') for each request (cores, bytes) that exceeds one node of `itype`."""
    problems = []
    if cpu is not None and cpu * 1000 > itype.allocatable_cpu_m():
        problems.append(("cpu", f"requested cpu {float(cpu * 1000):g}m, allocatable {itype.allocatable_cpu_m()}m"))
    if memory is not None and memory > itype.allocatable_memory_mib() * 2**20:
        problems.append(("memory", f"requested memory {float(memory / 2**20):g}Mi, allocatable "
                                   f"{itype.allocatable_memory_mib()}Mi"))
    return problems
