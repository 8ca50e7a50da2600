"""The records the control plane stores: nodes, tasks and deployments.

Records are frozen dataclasses so a snapshot can be handed from one actor to
another without copying and without anyone changing it underneath. A change is
a new record made with :func:`dataclasses.replace`.

Units: cpu in millicores, memory in MiB, GPU in thousandths of a device
(milli-GPU: a node's capacity is 1000 per device; a task asks a share of one
device below 1000, or whole devices in multiples of 1000), times in seconds
since the epoch (UTC), durations in seconds.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import operator
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from actors.domain.affinity import Affinity
from actors.domain.constraints import NO_CONSTRAINTS, Constraints
from actors.domain.taints import Taint, Toleration


@dataclasses.dataclass(frozen=True, slots=True)
class Resources:
    """An amount of cpu (millicores), memory (MiB) and GPU (milli-GPU)."""

    cpu: int = 0
    memory: int = 0
    gpu: int = 0

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpu + other.cpu, self.memory + other.memory, self.gpu + other.gpu)

    def __sub__(self, other: Resources) -> Resources:
        return Resources(self.cpu - other.cpu, self.memory - other.memory, self.gpu - other.gpu)


NO_RESOURCES = Resources()
GPU_MODEL_LABEL = "nvidia.com/gpu.product"
"""The node label naming its GPUs' model (NVIDIA's GPU feature discovery
sets it on real clusters); what a task's accepted models select."""
WHOLE_GPU = 1000  # milli-GPU in a device


def gpu_kind(gpu: int) -> int:
    """A GPU request's kind: 0 for a share of one device, else its devices."""
    return 0 if gpu < WHOLE_GPU else gpu // WHOLE_GPU
DEFAULT_CAPACITY = Resources(cpu=4000, memory=8192)


@dataclasses.dataclass(frozen=True, slots=True)
class Node:
    """A machine tasks run on.

    ``allocated`` is derived, not stored: the datastore fills it in on every
    read with the sum of the requests of the node's active tasks.
    ``version`` grows on every stored change (like Kubernetes'
    ``resourceVersion``); the datastore sets it.
    """

    id: str
    capacity: Resources = DEFAULT_CAPACITY
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    healthy: bool = True
    schedulable: bool = True
    simulated: bool = True
    created_at: float = 0.0
    last_heartbeat: float = 0.0
    version: int = 0
    allocated: Resources = NO_RESOURCES
    annotations: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Kept for the Kubernetes API's clients (kubectl apply's last-applied
    configuration); nothing here reads them."""
    gpu_used: tuple[int, ...] = ()
    """Derived like ``allocated``: the milli-GPU in use on each of its
    devices (empty when none is, or it has no GPU)."""
    taints: tuple[Taint, ...] = ()
    """What keeps tasks off it unless they tolerate it (:mod:`actors.domain.taints`)."""
    gpu_kinds: tuple[tuple[int, int], ...] = ()
    """Derived too: how many active GPU tasks of each kind it runs, as
    ``(kind, count)`` pairs; a kind is 0 for a share of one device, else the
    number of whole devices (what ``gpu-clustering`` groups by)."""
    pods: tuple[Task, ...] = ()
    """Derived too: its active tasks that have labels or inter-pod affinity
    terms, in id order (what inter-pod affinity and topology spread look
    at; tasks without either cannot matter to them)."""

    @property
    def free(self) -> Resources:
        return self.capacity - self.allocated

    @property
    def gpus(self) -> int:
        """Its GPU devices."""
        return self.capacity.gpu // WHOLE_GPU

    def gpu_free(self) -> list[int]:
        """The free milli-GPU of each device."""
        used = self.gpu_used
        return [WHOLE_GPU - (used[d] if d < len(used) else 0) for d in range(self.gpus)]

    @property
    def ready(self) -> bool:
        """Whether new work may be placed here."""
        return self.healthy and self.schedulable


class TaskStatus(enum.StrEnum):
    PENDING = "pending"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def active(self) -> bool:
        """Bound to a node and holding its resources."""
        return self in ACTIVE_STATUSES


FINAL_STATUSES = frozenset({TaskStatus.SUCCEEDED, TaskStatus.FAILED})
ACTIVE_STATUSES = frozenset({TaskStatus.SCHEDULED, TaskStatus.RUNNING})
OUTCOMES = (TaskStatus.SUCCEEDED, TaskStatus.FAILED)


@dataclasses.dataclass(frozen=True, slots=True)
class Task:
    """A unit of work placed on one node.

    ``duration`` (seconds) is how long a simulated node runs the task before
    it ends in ``outcome``; ``None`` runs until deleted or failed.
    ``attempts`` counts how many times the task was placed on a node.
    ``owner`` is the id of the deployment that made the task (None for a
    task submitted on its own), and ``template_hash`` the hash of that
    deployment's template when it did, so a rollout can tell old from new.
    ``manifest`` is the Kubernetes Pod a client sent, without its status
    (None for a task made through the native API or by a deployment): the
    scheduler and kubelets never read it; the Kubernetes front end gives it
    back as it was sent. ``scheduler`` names the scheduler that places it:
    None is ours; a task for another is left pending until a client binds it
    (the Kubernetes API's ``pods/binding``), as a pod whose ``schedulerName``
    is not ``default-scheduler``.
    """

    id: str
    name: str
    status: TaskStatus = TaskStatus.PENDING
    node: str | None = None
    resources: Resources = NO_RESOURCES
    node_selector: Mapping[str, str] = dataclasses.field(default_factory=dict)
    duration: float | None = None
    outcome: TaskStatus = TaskStatus.SUCCEEDED
    attempts: int = 0
    message: str = ""
    created_at: float = 0.0
    scheduled_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    version: int = 0
    owner: str | None = None
    template_hash: str | None = None
    manifest: Mapping[str, Any] | None = None
    scheduler: str | None = None
    node_affinity: Affinity = ()
    """Required node affinity (:mod:`actors.domain.affinity`): terms ORed,
    their expressions ANDed."""
    gpu_devices: tuple[int, ...] = ()
    """The node's devices its GPU request holds, chosen when it is bound."""
    tolerations: tuple[Toleration, ...] = ()
    """The node taints it tolerates (:mod:`actors.domain.taints`)."""
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """What other tasks' affinity terms and spread constraints select it by."""
    constraints: Constraints = NO_CONSTRAINTS
    """Preferred node affinity, inter-pod (anti-)affinity, topology spread
    (:mod:`actors.domain.constraints`)."""
    priority: int = 0
    """Higher is more important: placed first, and may preempt lower."""
    preemption_policy: str = "PreemptLowerPriority"
    """``Never``: it waits for room instead of preempting."""
    nominated_node: str | None = None
    """The node it preempted tasks on and waits to be bound to."""


@dataclasses.dataclass(frozen=True, slots=True)
class TaskTemplate:
    """What every task of a deployment looks like: the fields of a
    :class:`TaskSpec` that are not the task's identity."""

    resources: Resources = NO_RESOURCES
    node_selector: Mapping[str, str] = dataclasses.field(default_factory=dict)
    duration: float | None = None
    outcome: TaskStatus = TaskStatus.SUCCEEDED
    manifest: Mapping[str, Any] | None = None
    """The Kubernetes pod template it was read from (``metadata`` and
    ``spec``), given to every task made from it; None for a native template."""
    node_affinity: Affinity = ()
    tolerations: tuple[Toleration, ...] = ()
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    constraints: Constraints = NO_CONSTRAINTS
    priority: int = 0
    preemption_policy: str = "PreemptLowerPriority"


@dataclasses.dataclass(frozen=True, slots=True)
class Deployment:
    """A wish for ``replicas`` tasks made from ``template``, kept true by the
    controller (see :mod:`actors.domain.rollout`).

    ``template_hash`` identifies the template (set by whoever stores the
    record, from :func:`actors.domain.rollout.template_hash`); tasks carry the hash
    they were made from. ``ready`` is derived, not stored, like
    ``Node.allocated``: the datastore fills in how many of the deployment's
    tasks are running on every read.
    """

    id: str
    replicas: int = 1
    template: TaskTemplate = dataclasses.field(default_factory=TaskTemplate)
    template_hash: str = ""
    created_at: float = 0.0
    version: int = 0
    ready: int = 0
    manifest: Mapping[str, Any] | None = None
    """The Kubernetes Deployment a client sent, without its status (None for
    one made through the native API); only the Kubernetes front end reads it."""

    @property
    def available(self) -> int:
        """Replicas that serve: the running ones. There is no readiness probe
        or ``minReadySeconds`` here, so this is ``ready``."""
        return self.ready


@dataclasses.dataclass(frozen=True, slots=True)
class Object:
    """Something the control plane keeps for its clients and does not act
    on: a Kubernetes ConfigMap, a namespace of a user's own. ``id`` is its
    key, its kind's plural first (``configmaps/NAMESPACE/NAME``,
    ``namespaces/NAME``); ``body`` is what the client sent (JSON-ready)."""

    id: str
    body: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    created_at: float = 0.0
    version: int = 0


Record = Node | Task | Deployment | Object


def kind_of(record: Record) -> str:
    """``"node"``, ``"task"``, ``"deployment"`` or ``"object"``: the kind
    names used in errors and the store."""
    if isinstance(record, Node):
        return "node"
    if isinstance(record, Task):
        return "task"
    if isinstance(record, Object):
        return "object"
    return "deployment"


@dataclasses.dataclass(frozen=True, slots=True)
class NodeSpec:
    """What a client asks for when registering a node."""

    id: str
    capacity: Resources = DEFAULT_CAPACITY
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    simulated: bool = True
    annotations: Mapping[str, str] = dataclasses.field(default_factory=dict)
    taints: tuple[Taint, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class NodeChanges:
    """A partial update of a node; ``None`` leaves a field as it is."""

    healthy: bool | None = None
    schedulable: bool | None = None
    labels: Mapping[str, str] | None = None
    annotations: Mapping[str, str] | None = None
    taints: tuple[Taint, ...] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class TaskSpec:
    """What a client asks for when submitting a task; ``id`` None lets the
    server make one."""

    id: str | None = None
    name: str | None = None
    resources: Resources = NO_RESOURCES
    node_selector: Mapping[str, str] = dataclasses.field(default_factory=dict)
    duration: float | None = None
    outcome: TaskStatus = TaskStatus.SUCCEEDED
    manifest: Mapping[str, Any] | None = None
    """The Kubernetes Pod it was read from, if any (see :class:`Task`)."""
    scheduler: str | None = None
    """Another scheduler's name: left pending until bound (see :class:`Task`)."""
    node_affinity: Affinity = ()
    tolerations: tuple[Toleration, ...] = ()
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    constraints: Constraints = NO_CONSTRAINTS
    priority: int = 0
    preemption_policy: str = "PreemptLowerPriority"


@dataclasses.dataclass(frozen=True, slots=True)
class DeploymentSpec:
    """What a client asks for when creating a deployment."""

    id: str
    replicas: int = 1
    template: TaskTemplate = dataclasses.field(default_factory=TaskTemplate)
    manifest: Mapping[str, Any] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class DeploymentChanges:
    """A partial update of a deployment; ``None`` leaves a field as it is.
    A template replaces the whole template."""

    replicas: int | None = None
    template: TaskTemplate | None = None
    manifest: Mapping[str, Any] | None = None


R = TypeVar("R")


def replace(record: R, **changes: Any) -> R:
    """``dataclasses.replace`` for the records here, about twice as fast:
    records are copied several times on every binding, and it shows."""
    copy = _copier(type(record))
    return copy(record, changes)


@functools.cache
def _copier(cls: type) -> Callable[[Any, dict[str, Any]], Any]:
    names = tuple(f.name for f in dataclasses.fields(cls))
    values_of = operator.attrgetter(*names)
    position = {name: i for i, name in enumerate(names)}

    def copy(record: Any, changes: dict[str, Any]) -> Any:
        values = list(values_of(record))
        for name, value in changes.items():
            values[position[name]] = value
        return cls(*values)

    return copy
