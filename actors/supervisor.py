"""Supervision, which Pykka does not have: restart an actor that died.

An exception inside a ``tell`` (or a proxy call made with ``defer``) stops a
Pykka actor for good; every later message to it fails. Here each supervised
actor is reached through a :class:`Handle` — a stable name whose target the
supervisor swaps for a fresh actor — and reports its death through
:class:`Supervisable`'s ``on_failure``. The supervisor then starts a new one
from the same factory and runs its ``after_restart`` step, which re-reads
whatever the actor keeps from the datastore (the kubelet resyncs its running
tasks, the controller reconciles). The timer also asks the supervisor to
check every child each tick, in case a death went unreported.

Call graph: dying actors and the timer tell the supervisor; it starts actors
and tells them to resync; it asks nobody that could be waiting on it.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pykka

from actors.quiescence import CountedActor

logger = logging.getLogger(__name__)

STOP_WAIT = 5.0  # seconds to wait for a dying actor to finish stopping


class Handle:
    """Stands for an actor across restarts: attributes, method calls and
    field writes go to the current actor's proxy."""

    def __init__(self, name: str, proxy: pykka.ActorProxy) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_proxy", proxy)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._proxy, attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        setattr(self._proxy, attr, value)

    def swap(self, proxy: pykka.ActorProxy) -> None:
        object.__setattr__(self, "_proxy", proxy)

    def later(self, method: str) -> Callable[..., Any]:
        """A callable that tells ``method`` to whichever actor is current
        when it is called: what other actors keep as a callback. A tell, not
        an ask: no future is made (they cost a lock each, and nobody reads
        them), and an exception in ``method`` crashes the actor, which the
        supervisor restarts, instead of vanishing into an unread future."""

        def call(*args: Any, **kwargs: Any) -> None:
            getattr(self._proxy, method).defer(*args, **kwargs)

        call.__name__ = f"{self.name}.{method}"
        return call

    def __repr__(self) -> str:
        return f"<Handle {self.name} -> {self._proxy.actor_ref}>"


class Supervisable:
    """Mixed into an actor class: tells the supervisor when the actor dies."""

    _failure_hook: Callable[[pykka.ActorRef], object] | None = None

    def set_failure_hook(self, hook: Callable[[pykka.ActorRef], object]) -> None:
        self._failure_hook = hook

    def on_failure(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        logger.error("%s crashed: %r", type(self).__name__, exc_value)
        if self._failure_hook is not None:
            self._failure_hook(self.actor_ref)


@dataclasses.dataclass
class Child:
    handle: Handle
    start: Callable[[], pykka.ActorRef]
    """Starts a fresh actor, wired to the handles of what it talks to."""
    after_restart: Callable[[Handle], object] | None = None


class Supervisor:
    def __init__(self, on_restart: Callable[[str], object] | None = None) -> None:
        self.children: dict[str, Child] = {}
        self.restarts: collections.Counter[str] = collections.Counter()
        self.on_restart = on_restart
        self.stopping = False

    def watch(self, child: Child) -> None:
        self.children[child.handle.name] = child

    def child_failed(self, name: str, dead: pykka.ActorRef) -> None:
        """A child reported its death: restart it once it has stopped
        (unless a check already did)."""
        child = self.children.get(name)
        if child is None or self.stopping or child.handle.actor_ref is not dead:
            return
        dead.actor_stopped.wait(STOP_WAIT)
        self._restart_if_dead(child)

    def check(self) -> list[str]:
        """Restart every child that is dead; returns their names."""
        return [name for name, child in self.children.items() if self._restart_if_dead(child)]

    def _restart_if_dead(self, child: Child) -> bool:
        if self.stopping or child.handle.actor_ref.is_alive():
            return False
        name = child.handle.name
        ref = child.start()
        proxy = ref.proxy()
        child.handle.swap(proxy)
        proxy.set_failure_hook(self._hook(name))
        if child.after_restart is not None:
            child.after_restart(child.handle)
        self.restarts[name] += 1
        logger.warning("restarted %s (restart %d)", name, self.restarts[name])
        if self.on_restart is not None:
            self.on_restart(name)
        return True

    def _hook(self, name: str) -> Callable[[pykka.ActorRef], object]:
        me = self.actor_ref.proxy() if isinstance(self, pykka.Actor) else self

        def report(dead: pykka.ActorRef) -> object:
            return me.child_failed(name, dead)

        return report

    def hook_for(self, name: str) -> Callable[[pykka.ActorRef], object]:
        return self._hook(name)

    def stop_supervising(self) -> None:
        self.stopping = True


class SupervisorActor(CountedActor, Supervisor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of Supervisor
        CountedActor.__init__(self)
        Supervisor.__init__(self, *args, **kwargs)


SupervisorProxy = pykka.ActorProxy[SupervisorActor]
