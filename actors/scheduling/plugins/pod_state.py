"""Where the labelled tasks run, counted so that the pod-level plug-ins
(inter-pod affinity, topology spread) cost a few vector operations per task.

A *condition* is a tuple of ``(selector, namespaces)`` pairs that a task
must all meet (its namespace among ``namespaces``, its labels matched by
``selector``). For each condition asked about, :meth:`PodState.node_counts`
keeps how many tasks meeting it run on each node; :meth:`PodState.domain_counts`
sums those over the nodes of each topology domain. Counts are kept, not
recomputed: :meth:`PodState.add` and :meth:`PodState.remove` update every
count whose condition the task meets (found through an index by label), and
the scheduler tells it what each sync changed. The terms the running tasks
carry (their own affinity and anti-affinity, which bind newcomers too) are
kept the same way, grouped by term, in :meth:`PodState.terms_covering`.

Topology: a node's domain for a key is its label's value; every node has
``kubernetes.io/hostname``, its own id, as a kubelet labels it.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np

from actors.domain import namespaces
from actors.domain.constraints import LabelSelector, PodAffinityTerm
from actors.domain.models import Node, Task

HOSTNAME = "kubernetes.io/hostname"
MAX_CONDITIONS = 10_000  # counts kept; the oldest go first beyond this
TERM_KINDS = ("affinity", "preferred_affinity", "anti_affinity", "preferred_anti_affinity")

Condition = tuple[tuple[LabelSelector, frozenset[str]], ...]


def topology_value(node: Node, key: str) -> str | None:
    """The node's domain for ``key``: its label, its id for the hostname."""
    value = node.labels.get(key)
    if value is None and key == HOSTNAME:
        return node.id
    return value


def meets(condition: Condition, task: Task) -> bool:
    namespace = namespaces.namespace_of(task.id)
    labels = task.labels
    return all(namespace in spaces and selector.matches(labels) for selector, spaces in condition)


def term_condition(term: PodAffinityTerm, own_namespace: str) -> Condition:
    """The tasks a term carried by a task of ``own_namespace`` selects."""
    return ((term.selector, frozenset(term.namespaces or (own_namespace,))),)


def _index_key(condition: Condition) -> tuple[str, str] | None:
    """A label pair every task meeting the condition has (None when its
    selectors hold none: such counts are checked against every task)."""
    for selector, _ in condition:
        if selector.match_labels:
            return selector.match_labels[0]
    return None


def relevant(task: Task) -> bool:
    """Whether the state keeps ``task``: it has labels or pod terms."""
    return bool(task.labels) or task.constraints.pod_terms


@dataclasses.dataclass
class _Count:
    condition: Condition
    per_node: np.ndarray


@dataclasses.dataclass
class TermGroup:
    """The running tasks of one namespace carrying one term, per node."""

    kind: str
    term: PodAffinityTerm
    namespace: str
    per_node: np.ndarray

    def covers(self, task: Task) -> bool:
        return self.term.covers(self.namespace, namespaces.namespace_of(task.id), task.labels)


class PodState:
    def __init__(self, nodes: Sequence[Node]) -> None:
        self.nodes = list(nodes)
        self._row = {node.id: i for i, node in enumerate(self.nodes)}
        self._tasks: list[dict[str, Task]] = [{} for _ in self.nodes]
        self._by_label: dict[tuple[str, str], set[tuple[int, str]]] = {}
        self._unlabelled: set[tuple[int, str]] = set()  # tasks with terms and no label
        self._counts: dict[Condition, _Count] = {}
        self._counts_by_label: dict[tuple[str, str] | None, set[Condition]] = {}
        self._groups: dict[tuple[str, PodAffinityTerm, str], TermGroup] = {}
        self._groups_by_label: dict[tuple[str, str] | None, set[tuple[str, PodAffinityTerm, str]]] = {}
        self._kinds: collections.Counter[str] = collections.Counter()  # term groups of each kind
        self._codes: dict[str, tuple[np.ndarray, int]] = {}
        self._own_domain: set[str] = set()  # keys that give each node its own domain
        for row, node in enumerate(self.nodes):
            for task in node.pods:
                self.add(row, task)

    # -- keeping it current ---------------------------------------------------

    def sync_row(self, row: int, node: Node) -> None:
        """Make row ``row`` hold ``node``'s tasks (what a sync saw)."""
        old = self._tasks[row]
        new = {t.id: t for t in node.pods}
        for task_id, task in list(old.items()):
            if new.get(task_id) is not task and (task_id not in new or _differs(task, new[task_id])):
                self.remove(row, task)
        for task_id, task in new.items():
            if task_id not in self._tasks[row]:
                self.add(row, task)
            else:
                self._tasks[row][task_id] = task
        if node.labels != self.nodes[row].labels:
            self._codes.clear()
            self._own_domain.clear()
        self.nodes[row] = node

    def add(self, row: int, task: Task) -> None:
        """``task`` runs on row ``row`` from now on."""
        if not relevant(task) or task.id in self._tasks[row]:
            return
        self._tasks[row][task.id] = task
        entry = (row, task.id)
        for pair in task.labels.items():
            self._by_label.setdefault(pair, set()).add(entry)
        if not task.labels:
            self._unlabelled.add(entry)
        self._update_counts(row, task, 1)
        if task.constraints.pod_terms:
            self._update_groups(row, task, 1)

    def remove(self, row: int, task: Task) -> None:
        if task.id not in self._tasks[row]:
            return
        task = self._tasks[row].pop(task.id)
        entry = (row, task.id)
        for pair in task.labels.items():
            bucket = self._by_label.get(pair)
            if bucket is not None:
                bucket.discard(entry)
                if not bucket:
                    del self._by_label[pair]
        self._unlabelled.discard(entry)
        self._update_counts(row, task, -1)
        if task.constraints.pod_terms:
            self._update_groups(row, task, -1)

    def _update_counts(self, row: int, task: Task, delta: int) -> None:
        if not self._counts or not task.labels:
            return
        seen: set[Condition] = set()
        for key in (None, *task.labels.items()):
            for condition in self._counts_by_label.get(key, ()):
                if condition not in seen:
                    seen.add(condition)
                    if meets(condition, task):
                        self._counts[condition].per_node[row] += delta

    def _update_groups(self, row: int, task: Task, delta: int) -> None:
        namespace = namespaces.namespace_of(task.id)
        for kind, term in _terms(task):
            key = (kind, term, namespace)
            group = self._groups.get(key)
            if group is None:
                if delta < 0:
                    continue
                group = self._groups[key] = TermGroup(kind, term, namespace, np.zeros(len(self.nodes), np.int64))
                self._groups_by_label.setdefault(_index_key(term_condition(term, namespace)), set()).add(key)
                self._kinds[kind] += 1
            group.per_node[row] += delta
            if delta < 0 and not group.per_node.any():
                del self._groups[key]
                self._groups_by_label[_index_key(term_condition(term, namespace))].discard(key)
                self._kinds[kind] -= 1

    # -- asking ---------------------------------------------------------------------

    def codes(self, key: str) -> tuple[np.ndarray, int]:
        """Each node's domain number for ``key`` (-1: none) and how many domains."""
        found = self._codes.get(key)
        if found is None:
            numbers: dict[str, int] = {}
            codes = np.fromiter(
                (-1 if (v := topology_value(n, key)) is None else numbers.setdefault(v, len(numbers))
                 for n in self.nodes), dtype=np.int64, count=len(self.nodes))
            found = self._codes[key] = (codes, len(numbers))
            if len(numbers) == len(self.nodes):  # every node its own domain, in row order
                self._own_domain.add(key)
            else:
                self._own_domain.discard(key)
        return found

    def node_counts(self, condition: Condition) -> np.ndarray:
        """How many running tasks meeting ``condition`` each node has (do not modify)."""
        count = self._counts.get(condition)
        if count is None:
            per_node = np.zeros(len(self.nodes), np.int64)
            for row, task in self._candidates(condition):
                if task.labels and meets(condition, task):
                    per_node[row] += 1
            if len(self._counts) >= MAX_CONDITIONS:
                self._forget(next(iter(self._counts)))
            count = self._counts[condition] = _Count(condition, per_node)
            self._counts_by_label.setdefault(_index_key(condition), set()).add(condition)
        return count.per_node

    def _forget(self, condition: Condition) -> None:
        del self._counts[condition]
        self._counts_by_label[_index_key(condition)].discard(condition)

    def _candidates(self, condition: Condition) -> Iterable[tuple[int, Task]]:
        pair = _index_key(condition)
        if pair is not None:
            entries: Iterable[tuple[int, str]] = self._by_label.get(pair, ())
        else:
            entries = [(row, task_id) for row, tasks in enumerate(self._tasks) for task_id in tasks]
        for row, task_id in entries:
            yield row, self._tasks[row][task_id]

    def domain_counts(self, per_node: np.ndarray, key: str, among: np.ndarray | None = None) -> np.ndarray:
        """``per_node`` summed over each domain of ``key`` (counting only the
        nodes of ``among`` when given), with one more slot, always 0, at the
        end: indexing it with :meth:`codes` gives 0 to nodes in no domain."""
        codes, domains = self.codes(key)
        if key in self._own_domain:  # codes are 0, 1, 2, ...: nothing to sum
            return np.append(per_node if among is None else np.where(among, per_node, 0), 0)
        has = codes >= 0
        if among is not None:
            has = has & among
        summed = np.bincount(codes[has], weights=per_node[has], minlength=domains).astype(np.int64)
        return np.append(summed, 0)

    def terms_covering(self, task: Task) -> list[TermGroup]:
        """The running tasks' terms (grouped) that select ``task``."""
        if not self._groups:
            return []
        found = []
        seen: set[tuple[str, PodAffinityTerm, str]] = set()
        for pair in (None, *task.labels.items()):
            for key in self._groups_by_label.get(pair, ()):
                if key not in seen:
                    seen.add(key)
                    group = self._groups[key]
                    if group.covers(task):
                        found.append(group)
        found.sort(key=lambda g: (TERM_KINDS.index(g.kind), g.namespace, repr(g.term)))
        return found

    def has_terms(self, kinds: tuple[str, ...] = TERM_KINDS) -> bool:
        """Whether any running task carries a term of ``kinds``."""
        return any(self._kinds[kind] > 0 for kind in kinds)


def _terms(task: Task) -> list[tuple[str, PodAffinityTerm]]:
    c = task.constraints
    return [(kind, term) for kind, terms in (("affinity", c.affinity), ("preferred_affinity", c.preferred_affinity),
                                             ("anti_affinity", c.anti_affinity),
                                             ("preferred_anti_affinity", c.preferred_anti_affinity))
            for term in terms]


def _differs(old: Task, new: Task) -> bool:
    """Whether a task's record changed in what the state counts it by."""
    return old.labels != new.labels or old.constraints != new.constraints
