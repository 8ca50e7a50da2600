"""What a deployment needs, as pure functions: the controller's deployment step.

Given a deployment and every task it owns, :func:`plan` says how many tasks
to create from the current template and which tasks to delete, so that in the
end exactly ``replicas`` tasks that have not ended run the current template.
No threads, no clock, no store: table-tested in ``tests/actors/domain/test_rollout.py``.

The rules, like a Kubernetes ReplicaSet under a Deployment whose rolling
update has ``maxSurge: 1`` and ``maxUnavailable: 0``:

- A task is *live* until it ends (pending, scheduled or running). Live tasks
  made from the current template (same :func:`template_hash`) are *new*, the
  others *old*. Running tasks are the ones that serve (``ready``).
- Too few new tasks: create them. Too many (scaled down): delete the extras,
  pending ones first, then the ones not running yet, newest first within each
  (:func:`deletion_order`).
- An ended task (succeeded or failed) is not live, so it is replaced, as with
  ``restartPolicy: Always``. The newest :data:`HISTORY_LIMIT` ended tasks are
  kept to look at; older ones are deleted.
- While old tasks are live (a rolling update): at most ``replicas + 1`` live
  tasks at a time; an old task that is not running serves nothing and is
  deleted at once; a running old task is deleted only while the running tasks
  left stay at least ``replicas``. So one new task is started, and an old one
  goes once the new one runs: one at a time, never fewer running than wanted.
- If the cluster has no room (a new task :func:`~actors.scheduling.rules.fits_nowhere`),
  waiting for a new task to run would wait forever: then one running old task
  may go to make room (``maxUnavailable`` becomes 1). A template that fits no
  node at all therefore costs one running replica until it is fixed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import string
from collections.abc import Sequence

import orjson

from actors.domain import affinity, constraints, taints
from actors.domain.models import Deployment, Task, TaskStatus, TaskTemplate
from actors.scheduling.rules import fits_nowhere

MAX_SURGE = 1  # live tasks above replicas during a rolling update
HISTORY_LIMIT = 3  # ended tasks kept per deployment, newest first
SUFFIX_LENGTH = 5
SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
MAX_DEPLOYMENT_ID = 63 - 1 - SUFFIX_LENGTH
"""Deployment ids are at most 57 characters, so that ``<id>-<suffix>`` is a
valid task id (at most 63)."""

_DELETION_RANK = {TaskStatus.PENDING: 0, TaskStatus.SCHEDULED: 1, TaskStatus.RUNNING: 2}


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    """What one reconcile does for one deployment."""

    create: int = 0
    """How many tasks to make from the current template."""
    delete: tuple[Task, ...] = ()
    """Tasks to delete (each at the version read, for a compare-and-swap)."""

    def __bool__(self) -> bool:
        return bool(self.create or self.delete)


def template_hash(template: TaskTemplate) -> str:
    """10 hex digits that change whenever the template does (like Kubernetes'
    ``pod-template-hash``). Stable across processes and restarts; a template
    without a Kubernetes manifest, GPU, node affinity, tolerations, labels,
    constraints or priority hashes as it did
    before those existed."""
    resources = [template.resources.cpu, template.resources.memory]
    if template.resources.gpu:
        resources.append(template.resources.gpu)
    fields: dict = {
        "resources": resources,
        "node_selector": dict(template.node_selector),
        "duration": template.duration,
        "outcome": template.outcome.value,
    }
    if template.manifest is not None:
        fields["manifest"] = template.manifest
    if template.node_affinity:
        fields["node_affinity"] = affinity.to_lists(template.node_affinity)
    if template.tolerations:
        fields["tolerations"] = taints.tolerations_to_lists(template.tolerations)
    fields.update(constraints.scheduling_fields(template))
    canonical = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:10]


def deletion_order(tasks: Sequence[Task]) -> list[Task]:
    """Which tasks to delete first: pending, then scheduled (not running yet),
    then running; newest first within each. ``tasks`` are live tasks in
    creation order."""
    ranked = sorted(enumerate(tasks), key=lambda item: (_DELETION_RANK[item[1].status], -item[0]))
    return [task for _, task in ranked]


def plan(deployment: Deployment, tasks: Sequence[Task]) -> Plan:
    """What to create and delete for ``deployment``, given every task it owns
    in creation order. An empty plan means there is nothing to do."""
    wanted = deployment.replicas
    live = [t for t in tasks if not t.status.final]
    new = [t for t in live if t.template_hash == deployment.template_hash]
    old = [t for t in live if t.template_hash != deployment.template_hash]
    delete: list[Task] = []

    if len(new) > wanted:
        extra = deletion_order(new)[: len(new) - wanted]
        delete += extra
        gone = {t.id for t in extra}
        new = [t for t in new if t.id not in gone]

    if old:
        delete += deletion_order([t for t in old if t.status is not TaskStatus.RUNNING])
        running_old = [t for t in old if t.status is TaskStatus.RUNNING]
        running = len(running_old) + sum(1 for t in new if t.status is TaskStatus.RUNNING)
        floor = wanted - 1 if any(fits_nowhere(t) for t in new) else wanted
        delete += deletion_order(running_old)[: max(0, running - floor)]

    live_left = len(live) - sum(1 for t in delete if not t.status.final)
    create = max(0, min(wanted - len(new), wanted + MAX_SURGE - live_left))

    ended = [(i, t) for i, t in enumerate(tasks) if t.status.final]
    ended.sort(key=lambda item: (item[1].finished_at or 0.0, item[0]), reverse=True)
    delete += [t for _, t in ended[HISTORY_LIMIT:]]
    return Plan(create=create, delete=tuple(delete))


def random_suffix(rng: random.Random | None = None) -> str:
    """5 random lowercase letters and digits (36^5, about 60 million)."""
    return "".join((rng or random).choices(SUFFIX_ALPHABET, k=SUFFIX_LENGTH))


def new_replica(deployment: Deployment, suffix: str, now: float) -> Task:
    """A pending task ``<deployment>-<suffix>`` made from the current
    template, created at ``now`` (seconds)."""
    task_id = f"{deployment.id}-{suffix}"
    template = deployment.template
    return Task(
        id=task_id,
        name=task_id,
        resources=template.resources,
        node_selector=dict(template.node_selector),
        duration=template.duration,
        outcome=template.outcome,
        created_at=now,
        owner=deployment.id,
        template_hash=deployment.template_hash,
        manifest=template.manifest,
        node_affinity=template.node_affinity,
        tolerations=template.tolerations,
        labels=dict(template.labels),
        constraints=template.constraints,
        priority=template.priority,
        preemption_policy=template.preemption_policy,
    )
