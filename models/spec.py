"""The model declaration: one frozen, validated value that every phase renders from.

An ML engineer writes one `Model(...)` in a file under `models/catalog/`. Every field is checked when the
value is created, so a bad declaration fails at import time, before any Pulumi resource exists, with a
`DeclarationError` naming the model, the field, the value and what was expected.
"""
from __future__ import annotations

import dataclasses
import enum
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Optional, Union
from urllib.parse import urlsplit

from models.errors import DeclarationError

DNS_1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# A Kubernetes resource quantity: plain number, or with a decimal / binary suffix.
_QUANTITY = re.compile(r"^([0-9]+(\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_QUANTITY_SUFFIX = {None: 1, "m": Fraction(1, 1000), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15,
                    "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
STORAGE_SCHEMES = ("s3", "pvc", "https")
# What KServe's storage initializer unpacks from an https:// download (it picks by file name, then saves a single
# file as is): only these put `config/` and `model-store/` (or a Triton repository) under the model directory.
HTTPS_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
# Python dotted path to a callable, e.g. "models.examples.tabular:build_model".
_FACTORY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class _ParsedEnum(enum.Enum):
    """An enum that parses its lower-case value and explains the choices when it cannot."""

    @classmethod
    def parse(cls, value: object, *, model: str, field_name: str):
        if isinstance(value, cls):
            return value
        for member in cls:
            if value == member.value:
                return member
        choices = ", ".join(repr(m.value) for m in cls)
        raise DeclarationError(model, field_name, value, f"one of {choices}")


class Phase(_ParsedEnum):
    """How far along the roadmap a model (or a stack) is; phases are ordered."""

    TORCHSERVE = "torchserve"  # Phase 1: Deployment + Service running the standard TorchServe image
    KSERVE = "kserve"  # Phase 2: InferenceService through Karmada, private member only
    HYBRID = "hybrid"  # Phase 3: InferenceService placed across clouds by workload class

    @property
    def rank(self) -> int:
        return list(Phase).index(self) + 1


class Framework(_ParsedEnum):
    PYTORCH = "pytorch"


class Runtime(_ParsedEnum):
    """The inference server behind a model. Triton needs KServe (phase 2 or later)."""

    TORCHSERVE = "torchserve"
    TRITON = "triton"


class WorkloadClass(_ParsedEnum):
    """Where a model may run once the platform is hybrid (phase 3).

    critical: private cluster only. elastic: private first, overflow to public clouds.
    batch: public Spot capacity only, replicas divided across those clusters.
    """

    CRITICAL = "critical"
    ELASTIC = "elastic"
    BATCH = "batch"


class GpuType(_ParsedEnum):
    """GPU classes the platform's node pools offer; the value is the node label value."""

    T4 = "t4"
    A10G = "a10g"
    L4 = "l4"
    A100 = "a100"


def _quantity(model: str, name: str, value: object) -> str:
    if not isinstance(value, str) or not _QUANTITY.match(value) or float(_QUANTITY.match(value).group(1)) <= 0:
        raise DeclarationError(model, name, value, "a positive Kubernetes quantity such as '500m', '2' or '4Gi'")
    return value


def parse_quantity(value: str) -> Fraction:
    """The exact amount a Kubernetes quantity ('500m', '2', '1.5Gi', '1G') stands for, in base units (cores, bytes),
    so quantities with different suffixes compare correctly. Raises ValueError for a string `_QUANTITY` rejects."""
    match = _QUANTITY.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {value!r}")
    return Fraction(Decimal(match.group(1))) * _QUANTITY_SUFFIX[match.group(3)]


# Replicas, concurrency targets and percents end in Kubernetes int32 fields: nothing larger is ever accepted.
INT32_MAX = 2**31 - 1


def default_workers(resources: "Resources") -> int:
    """One worker per whole requested CPU core (at least one), or one per GPU for a GPU model."""
    if resources.gpu_count:
        return min(64, resources.gpu_count)
    return max(1, min(64, int(parse_quantity(resources.cpu))))


def _int(model: str, name: str, value: object, minimum: int, maximum: int = INT32_MAX) -> int:
    if not (isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum):
        raise DeclarationError(model, name, value, f"an integer from {minimum} to {maximum}")
    return value


def check_storage_uri(model: str, name: str, uri: object) -> str:
    """Accept what the pods can actually fetch; the scheme decides how:

    - `s3://bucket/prefix`: KServe's storage initializer copies the prefix (an artifact tree) in an init container;
    - `pvc://claim[/path]`: the claim is mounted read-only with `subPath: path`, so the path must stay inside the
      claim: relative, no empty, '.' or '..' segments;
    - `https://host/path/file.tar.gz` (or .tgz, .tar, .zip): the storage initializer downloads one file (it fails
      with "No filename contained in URI" without one) and unpacks only these archives, so the URI must name an
      archive of the artifact tree (`config/` + `model-store/`, or a Triton repository).
    """
    schemes = "a URI with scheme " + ", ".join(f"{s}://" for s in STORAGE_SCHEMES)
    if not isinstance(uri, str) or "://" not in uri:
        raise DeclarationError(model, name, uri, schemes)
    if re.search(r"[\s\x00-\x1f\x7f]", uri):  # a pasted newline or tab, a space in a bucket or host
        raise DeclarationError(model, name, uri, schemes + ", without whitespace or control characters")
    scheme, rest = uri.split("://", 1)
    if scheme not in STORAGE_SCHEMES:
        raise DeclarationError(model, name, uri, schemes)
    head, _, path = rest.partition("/")
    if not head:
        raise DeclarationError(model, name, uri, f"{scheme}://<bucket, claim or host>/<path>")
    if scheme == "pvc":
        if not DNS_1123_LABEL.match(head):
            raise DeclarationError(model, name, uri, "pvc://<claim-name>/<path> with a DNS-1123 claim name")
        if path and any(seg in ("", ".", "..") for seg in path.split("/")):
            raise DeclarationError(model, name, uri, "pvc://<claim-name>/<path> with a relative path inside the claim "
                                   "(no empty, '.' or '..' segments, no leading or trailing '/'): it becomes the "
                                   "volume mount's subPath")
    elif scheme == "https":
        try:
            parts = urlsplit(uri)
            parts.port  # noqa: B018 - ValueError for a port outside 0-65535, like urlsplit's for 'https://[::1'
        except ValueError as err:
            raise DeclarationError(model, name, uri, f"a URL that parses ({err})") from None
        filename = parts.path.rsplit("/", 1)[-1]
        if not parts.hostname or not filename.lower().endswith(HTTPS_ARCHIVE_SUFFIXES):
            raise DeclarationError(model, name, uri, "https://<host>/<path>/<file> naming an archive of the artifact "
                                   "tree (" + ", ".join(HTTPS_ARCHIVE_SUFFIXES) + "): KServe's storage initializer "
                                   "downloads one file and unpacks only these")
    return uri


# The value types below are validated by the Model that holds them (so errors can name the model);
# each is still frozen, and documents its defaults.


@dataclass(frozen=True)
class Source:
    """How `python -m models package` builds the artifact: a factory returning a trained `torch.nn.Module`
    (deterministic, no downloads) and the shape of one input row, without the batch dimension."""

    factory: str
    input_shape: tuple[int, ...]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resources:
    """Per replica. Requests equal limits (Guaranteed QoS) unless `cpu_limit` / `memory_limit` are given.
    GPUs: `gpu_count` of `gpu_type`; a GPU type without a count is an error."""

    cpu: str = "1"
    memory: str = "2Gi"
    gpu_count: int = 0
    gpu_type: Optional[GpuType] = None
    cpu_limit: Optional[str] = None
    memory_limit: Optional[str] = None


@dataclass(frozen=True)
class Scaling:
    """Replica bounds and the per-replica concurrency the autoscaler aims at. `min_replicas=0` allows
    scale-to-zero (KServe Knative mode only); phase 1 keeps at least one replica."""

    min_replicas: int = 1
    max_replicas: int = 3
    target_concurrency: int = 8


@dataclass(frozen=True)
class Batching:
    """Server-side batching: requests wait up to `max_delay_ms` to fill a batch of `max_batch_size`.
    `preferred_batch_sizes` (Triton) defaults to the powers of two up to the max batch size."""

    max_batch_size: int = 8
    max_delay_ms: int = 10
    preferred_batch_sizes: tuple[int, ...] = ()

    def preferred(self) -> tuple[int, ...]:
        if self.preferred_batch_sizes:
            return self.preferred_batch_sizes
        sizes, n = [], 1
        while n <= self.max_batch_size:
            sizes.append(n)
            n *= 2
        return tuple(s for s in sizes if s > 1) or (self.max_batch_size,)


@dataclass(frozen=True)
class Canary:
    """Send `traffic_percent` of requests to `candidate_uri`, the rest to the model's `storage_uri`.
    Promote: set 100. Roll back: set 0. Both render exactly like the tidy end state (candidate adopted,
    or canary removed), so the follow-up clean-up commit shows an empty diff."""

    candidate_uri: str
    traffic_percent: int = 10


@dataclass(frozen=True)
class ABTest:
    """Split traffic between version A (`storage_uri`) and version B: `b_weight` percent at random (a KServe
    InferenceGraph Splitter), and every request carrying header `header_name: header_value` goes to B (an Istio
    header match in front of the graph)."""

    b_uri: str
    b_weight: int = 50
    header_name: str = "x-model-variant"
    header_value: str = "b"


@dataclass(frozen=True)
class Mirror:
    """Copy `percent` of live requests to a shadow version whose responses are discarded (Istio mirror)."""

    shadow_uri: str
    percent: int = 10


Rollout = Union[Canary, ABTest, Mirror]


@dataclass(frozen=True)
class PhaseOverride:
    """Per-phase adjustments: applied when the model renders at that phase (e.g. more batching on Triton)."""

    resources: Optional[Resources] = None
    scaling: Optional[Scaling] = None
    batching: Optional[Batching] = None
    workers: Optional[int] = None


@dataclass(frozen=True)
class Model:
    """One served model. Defaults: 1 CPU / 2Gi per replica, 1 to 3 replicas at 8 concurrent requests each,
    batches of up to 8 waiting at most 10 ms, one TorchServe worker per replica, no rollout in progress,
    workload class `critical` (stays on the private cluster)."""

    name: str
    storage_uri: str
    source: Source
    framework: Framework = Framework.PYTORCH
    resources: Resources = field(default_factory=Resources)
    scaling: Scaling = field(default_factory=Scaling)
    batching: Batching = field(default_factory=Batching)
    # TorchServe workers (Triton instances) per replica. Default: one per whole requested CPU core (at least one);
    # one per GPU for a GPU model. Measured (README "Batching chosen by measurement"): the CNN served 2.6x the
    # requests/s with 2 workers of one thread each than with 1 worker of two threads on 2 cores, because a
    # worker's batch runs one forward at a time.
    workers: Optional[int] = None
    rollout: Optional[Rollout] = None
    workload_class: WorkloadClass = WorkloadClass.CRITICAL
    phase_overrides: Mapping[Phase, PhaseOverride] = field(default_factory=dict)
    # The p99 latency (ms) the model must meet; `python -m models tune` picks batching and workers under it.
    latency_p99_ms: Optional[float] = None

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or len(name) > 45 or not DNS_1123_LABEL.match(name):
            # 45 leaves room for the suffixes KServe and the platform append (e.g. "-predictor-00001").
            raise DeclarationError(str(name), "name", name, "a DNS-1123 label: lower-case letters, digits and '-', "
                                   "starting and ending with a letter or digit, at most 45 characters")
        set_ = lambda attr, value: object.__setattr__(self, attr, value)  # noqa: E731 (frozen dataclass)
        set_("framework", Framework.parse(self.framework, model=name, field_name="framework"))
        set_("workload_class", WorkloadClass.parse(self.workload_class, model=name, field_name="workload_class"))
        check_storage_uri(name, "storage_uri", self.storage_uri)
        self._check_source()
        set_("resources", self._check_resources("resources", self.resources))
        self._check_scaling("scaling", self.scaling)
        self._check_batching("batching", self.batching)
        if self.workers is None:
            set_("workers", default_workers(self.resources))
        _int(name, "workers", self.workers, 1, 64)
        objective = self.latency_p99_ms
        if objective is not None and (not isinstance(objective, (int, float)) or isinstance(objective, bool)
                                      or not math.isfinite(objective) or objective <= 0):
            raise DeclarationError(name, "latency_p99_ms", objective, "a number of milliseconds > 0, or None")
        self._check_rollout()
        overrides = {}
        given = {} if self.phase_overrides is None else self.phase_overrides
        if not isinstance(given, Mapping):
            raise DeclarationError(name, "phase_overrides", given, "a mapping {Phase: PhaseOverride(...)} or None")
        for phase, override in given.items():
            key = Phase.parse(phase, model=name, field_name="phase_overrides key")
            if not isinstance(override, PhaseOverride):
                raise DeclarationError(name, f"phase_overrides[{key.value}]", override, "a PhaseOverride(...)")
            where = f"phase_overrides[{key.value}]"
            if override.resources is not None:
                override = dataclasses.replace(override, resources=self._check_resources(f"{where}.resources",
                                                                                          override.resources))
            if override.scaling is not None:
                self._check_scaling(f"{where}.scaling", override.scaling)
            if override.batching is not None:
                self._check_batching(f"{where}.batching", override.batching)
            if override.workers is not None:
                _int(name, f"{where}.workers", override.workers, 1, 64)
            overrides[key] = override
        set_("phase_overrides", _FrozenDict(overrides))

    # -- checks ---------------------------------------------------------------------------------------

    def _check_source(self) -> None:
        src = self.source
        if not isinstance(src, Source):
            raise DeclarationError(self.name, "source", src, "a Source(factory=..., input_shape=...)")
        if not isinstance(src.factory, str) or not _FACTORY.match(src.factory):
            raise DeclarationError(self.name, "source.factory", src.factory, "'package.module:callable'")
        shape = src.input_shape
        if (not isinstance(shape, tuple) or not shape
                or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape)):
            raise DeclarationError(self.name, "source.input_shape", shape, "a non-empty tuple of positive integers")

    def _check_resources(self, where: str, res: Resources) -> Resources:
        n = self.name
        if not isinstance(res, Resources):
            raise DeclarationError(n, where, res, "a Resources(...)")
        _quantity(n, f"{where}.cpu", res.cpu)
        _quantity(n, f"{where}.memory", res.memory)
        for attr, request in (("cpu_limit", "cpu"), ("memory_limit", "memory")):
            limit = getattr(res, attr)
            if limit is not None:
                _quantity(n, f"{where}.{attr}", limit)
                if parse_quantity(limit) < parse_quantity(getattr(res, request)):
                    raise DeclarationError(n, f"{where}.{attr}", limit,
                                           f"at least the request {request}={getattr(res, request)!r} "
                                           "(the API server rejects a limit below its request)")
        _int(n, f"{where}.gpu_count", res.gpu_count, 0, 8)
        gpu_type = res.gpu_type
        if gpu_type is not None:
            gpu_type = GpuType.parse(gpu_type, model=n, field_name=f"{where}.gpu_type")
            if res.gpu_count == 0:
                raise DeclarationError(n, f"{where}.gpu_type", gpu_type.value,
                                       "no GPU type unless gpu_count >= 1 (set gpu_count or drop gpu_type)")
        elif res.gpu_count > 0:
            choices = ", ".join(repr(g.value) for g in GpuType)
            raise DeclarationError(n, f"{where}.gpu_type", None, f"a GPU type when gpu_count >= 1: one of {choices}")
        return dataclasses.replace(res, gpu_type=gpu_type)

    def _check_scaling(self, where: str, s: Scaling) -> None:
        n = self.name
        if not isinstance(s, Scaling):
            raise DeclarationError(n, where, s, "a Scaling(...)")
        _int(n, f"{where}.min_replicas", s.min_replicas, 0)
        _int(n, f"{where}.max_replicas", s.max_replicas, 1)
        if s.max_replicas < s.min_replicas:
            raise DeclarationError(n, f"{where}.max_replicas", s.max_replicas,
                                   f"at least min_replicas ({s.min_replicas})")
        _int(n, f"{where}.target_concurrency", s.target_concurrency, 1)

    def _check_batching(self, where: str, b: Batching) -> None:
        n = self.name
        if not isinstance(b, Batching):
            raise DeclarationError(n, where, b, "a Batching(...)")
        _int(n, f"{where}.max_batch_size", b.max_batch_size, 1, 1024)
        _int(n, f"{where}.max_delay_ms", b.max_delay_ms, 0, 60_000)
        if b.max_delay_ms == 0 and b.max_batch_size > 1:
            # TorchServe replaces a batch delay <= 0 by its 100 ms default (pytorch/serve v0.12.0
            # frontend/server/src/main/java/org/pytorch/serve/util/ConfigManager.java getJsonIntValue, lines 1107-1118;
            # RegisterModelRequest.java DEFAULT_MAX_BATCH_DELAY = 100): "no waiting" would wait the longest.
            raise DeclarationError(n, f"{where}.max_delay_ms", b.max_delay_ms, "at least 1 when max_batch_size is "
                                   "above 1 (TorchServe reads 0 as its 100 ms default)")
        pref = b.preferred_batch_sizes
        if not isinstance(pref, tuple):
            raise DeclarationError(n, f"{where}.preferred_batch_sizes", pref, "a tuple of integers")
        for size in pref:
            _int(n, f"{where}.preferred_batch_sizes", size, 1, b.max_batch_size)

    def _check_rollout(self) -> None:
        n, r = self.name, self.rollout
        if r is None:
            return
        if isinstance(r, Canary):
            check_storage_uri(n, "rollout.candidate_uri", r.candidate_uri)
            _int(n, "rollout.traffic_percent", r.traffic_percent, 0, 100)
        elif isinstance(r, ABTest):
            check_storage_uri(n, "rollout.b_uri", r.b_uri)
            _int(n, "rollout.b_weight", r.b_weight, 0, 100)
            if not isinstance(r.header_name, str) or not re.match(r"^[a-z0-9][a-z0-9-]*$", r.header_name):
                raise DeclarationError(n, "rollout.header_name", r.header_name, "a lower-case HTTP header name")
            if not isinstance(r.header_value, str) or not r.header_value or '"' in r.header_value:
                raise DeclarationError(n, "rollout.header_value", r.header_value, "a non-empty string without '\"'")
        elif isinstance(r, Mirror):
            check_storage_uri(n, "rollout.shadow_uri", r.shadow_uri)
            _int(n, "rollout.percent", r.percent, 1, 100)
        else:
            raise DeclarationError(n, "rollout", r, "None, Canary(...), ABTest(...) or Mirror(...)")

    # -- views ----------------------------------------------------------------------------------------

    @property
    def uses_gpu(self) -> bool:
        return self.resources.gpu_count > 0

    def at_phase(self, phase: Phase) -> "Model":
        """This declaration with its override for `phase` applied (unchanged if there is none)."""
        override = self.phase_overrides.get(phase)
        if override is None:
            return self
        changes = {k: v for k, v in dataclasses.asdict(override).items() if v is not None}
        # asdict recursed into nested dataclasses; take the originals instead.
        changes = {k: getattr(override, k) for k in changes}
        return dataclasses.replace(self, **changes)


class _FrozenDict(dict):
    """A dict that refuses mutation, so a frozen Model stays frozen all the way down."""

    def _refuse(self, *_a, **_k):
        raise TypeError("phase_overrides is frozen")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted((k.value, v) for k, v in self.items())))
