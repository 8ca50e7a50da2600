"""The object manager actor: keeps what clients store and nothing acts on
(Kubernetes ConfigMaps, namespaces of a user's own), with the same
transactions, versions and durability as every other record.

Call graph: the API asks it; it asks the datastore. Nothing reconciles
objects; a namespace's deletion, which takes its tasks with it, tells the
scheduler that nodes were freed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from actors.quiescence import CountedActor

from actors.domain.models import Object
from actors.domain.retry import check_version, retry_on_conflict
from actors.manager import ASK_TIMEOUT, Manager
from actors.store.ops import Create, Delete, DeleteNamespaced, Op, Update
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)


class ObjectManager(Manager):
    def create(self, object_id: str, body: Mapping[str, Any]) -> Object:
        (stored,) = self.datastore.commit([Create(Object(object_id, body, self.clock()))]).get(timeout=ASK_TIMEOUT)
        return stored

    def get(self, object_id: str) -> Object:
        return self.datastore.get_object(object_id).get(timeout=ASK_TIMEOUT)

    def list(self, prefix: str) -> list[Object]:
        """The objects whose id starts with ``prefix``, sorted by id."""
        return self.datastore.list_objects(prefix).get(timeout=ASK_TIMEOUT)

    def update(self, object_id: str, body: Mapping[str, Any], expected_version: int | None = None) -> Object:
        """Replace the body; the same body writes nothing."""

        def attempt(expected: int | None) -> Object:
            current = self.get(object_id)
            check_version(current, expected)
            if current.body == body:
                return current
            updated = Object(object_id, body, current.created_at)
            (stored,) = self.datastore.commit([Update(updated, current.version)]).get(timeout=ASK_TIMEOUT)
            return stored

        return retry_on_conflict(attempt, expected_version)

    def delete(self, object_ids: Sequence[str], expected_version: int | None = None,
               namespace: str | None = None) -> int:
        """Delete the objects, all or none in one transaction (a namespace
        and what is in it); ``expected_version`` is the first one's. With
        ``namespace``, that namespace's tasks and deployments go in the same
        transaction (:class:`~actors.store.ops.DeleteNamespaced`). Returns a
        revision at or after the deletion."""

        def attempt(expected: int | None) -> int:
            first = self.get(object_ids[0])
            check_version(first, expected)
            ops: list[Op] = [Delete("object", first.id, first.version)]
            ops += [Delete("object", i) for i in object_ids[1:]]
            if namespace is not None:
                ops.append(DeleteNamespaced(namespace))
            self.datastore.commit(ops).get(timeout=ASK_TIMEOUT)
            return self.datastore.revision.get(timeout=ASK_TIMEOUT)

        revision = retry_on_conflict(attempt, expected_version)
        logger.debug("deleted %s", ", ".join(object_ids))
        if namespace is not None:
            self.on_change()  # its tasks freed their nodes
        return revision


class ObjectManagerActor(Supervisable, CountedActor, ObjectManager):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of ObjectManager
        CountedActor.__init__(self)
        ObjectManager.__init__(self, *args, **kwargs)
