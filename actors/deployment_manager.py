"""The deployment manager actor: create, read, scale or change, and delete deployments.

It only records what is wanted; the controller's deployment step (see
:mod:`actors.domain.rollout`) makes the tasks match.

Call graph: the API asks it; it asks the datastore and tells the controller
(through ``on_change``) so that a reconcile acts on the change at once.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pykka

from actors.quiescence import CountedActor

from actors.manager import ASK_TIMEOUT, Manager
from actors.domain.models import Deployment, DeploymentChanges, DeploymentSpec, Task
from actors.domain.retry import check_version, retry_on_conflict
from actors.domain.rollout import template_hash
from actors.store.ops import Create, Delete, DeleteOwnedTasks, Update
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)

class DeploymentManager(Manager):
    def create(self, spec: DeploymentSpec) -> Deployment:
        deployment = Deployment(
            id=spec.id,
            replicas=spec.replicas,
            template=spec.template,
            template_hash=template_hash(spec.template),
            created_at=self.clock(),
            manifest=spec.manifest,
        )
        (stored,) = self.datastore.commit([Create(deployment)]).get(timeout=ASK_TIMEOUT)
        logger.info("deployment %s created: %d replicas", stored.id, stored.replicas)
        self.on_change(capacity_changed=False)
        return stored

    def get(self, deployment_id: str) -> Deployment:
        return self.datastore.get_deployment(deployment_id).get(timeout=ASK_TIMEOUT)

    def list(self) -> list[Deployment]:
        return self.datastore.list_deployments().get(timeout=ASK_TIMEOUT)

    def with_tasks(self, deployment_ids: list[str] | None = None) -> list[tuple[Deployment, list[Task]]]:
        """Deployments (all, or those of ``deployment_ids`` that exist), each with its tasks."""
        return self.datastore.deployments_with_tasks(deployment_ids).get(timeout=ASK_TIMEOUT)

    def update(self, deployment_id: str, changes: DeploymentChanges, expected_version: int | None = None) -> Deployment:
        """Scale and/or replace the template; no change writes nothing."""

        def attempt(expected: int | None) -> Deployment:
            deployment = self.get(deployment_id)
            check_version(deployment, expected)
            updated = deployment
            if changes.replicas is not None:
                updated = dataclasses.replace(updated, replicas=changes.replicas)
            if changes.template is not None:
                updated = dataclasses.replace(
                    updated, template=changes.template, template_hash=template_hash(changes.template)
                )
            if changes.manifest is not None:
                updated = dataclasses.replace(updated, manifest=changes.manifest)
            if updated == deployment:
                return deployment
            (stored,) = self.datastore.commit([Update(updated, deployment.version)]).get(timeout=ASK_TIMEOUT)
            return stored

        stored = retry_on_conflict(attempt, expected_version)
        logger.info("deployment %s updated: %d replicas, template %s", deployment_id, stored.replicas,
                    stored.template_hash)
        self.on_change(capacity_changed=False)
        return stored

    def delete(self, deployment_id: str, expected_version: int | None = None) -> int:
        """Remove the deployment and every task it owns, in one transaction.
        Returns a revision at or after the deletion."""

        def attempt(expected: int | None) -> int:
            deployment = self.get(deployment_id)
            check_version(deployment, expected)
            self.datastore.commit(
                [Delete("deployment", deployment_id, deployment.version), DeleteOwnedTasks(deployment_id)]
            ).get(timeout=ASK_TIMEOUT)
            return self.datastore.revision.get(timeout=ASK_TIMEOUT)

        revision = retry_on_conflict(attempt, expected_version)
        logger.info("deployment %s deleted with its tasks", deployment_id)
        self.on_change()  # its tasks freed their nodes
        return revision


class DeploymentManagerActor(Supervisable, CountedActor, DeploymentManager):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of DeploymentManager
        CountedActor.__init__(self)
        DeploymentManager.__init__(self, *args, **kwargs)


DeploymentManagerProxy = pykka.ActorProxy[DeploymentManagerActor]
