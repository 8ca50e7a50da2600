"""Placement policies as plug-ins: one small class per module, registered
by name (:data:`POLICIES`), and a user's own loaded from a file with
:func:`load` (``--policy-module path/to/file.py:Name``).

Built in: the six policies of "Beware of Fragmentation" (Weng et al.,
USENIX ATC 2023): ``random``, ``dotprod``, ``gpu-clustering``,
``gpu-packing``, ``bestfit`` and ``fgd``. "Normalised" in their docstrings
means divided by the largest node's capacity in that resource.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from actors.scheduling.policies.base import Choice, Context, Policy, choose
from actors.scheduling.policies.bestfit import BestFitPolicy
from actors.scheduling.policies.dotprod import DotProductPolicy
from actors.scheduling.policies.fgd import FgdPolicy
from actors.scheduling.policies.gpu_clustering import GpuClusteringPolicy
from actors.scheduling.policies.gpu_packing import GpuPackingPolicy
from actors.scheduling.policies.random_pick import RandomPolicy

__all__ = ["POLICIES", "Choice", "Context", "Policy", "PolicyError", "choose", "load", "make", "register"]

POLICIES: dict[str, type[Policy]] = {}


class PolicyError(ValueError):
    """A policy that is not known or cannot be loaded; says which and why."""


def register(cls: type[Policy]) -> type[Policy]:
    """Make ``cls`` known by its ``name`` (usable as a class decorator)."""
    if not isinstance(cls, type) or not issubclass(cls, Policy):
        raise PolicyError(f"{cls!r} is not a Policy class (subclass actors.scheduling.policies.Policy)")
    if not cls.name:
        raise PolicyError(f"policy class {cls.__name__} has no name")
    if cls.tie not in ("random", "first"):
        raise PolicyError(f"policy {cls.name}: tie must be 'random' or 'first', not {cls.tie!r}")
    POLICIES[cls.name] = cls
    return cls


for _cls in (RandomPolicy, DotProductPolicy, GpuClusteringPolicy, GpuPackingPolicy, BestFitPolicy, FgdPolicy):
    register(_cls)


def make(name: str) -> Policy:
    """A new instance of the policy called ``name``."""
    try:
        return POLICIES[name]()
    except KeyError:
        raise PolicyError(f"no policy {name!r}; known: {', '.join(sorted(POLICIES))}") from None


def load(spec: str) -> type[Policy]:
    """Load and register a user's policy: ``path/to/file.py:ClassName``."""
    path_text, colon, class_name = spec.rpartition(":")
    if not colon or not path_text or not class_name:
        raise PolicyError(f"--policy-module takes path/to/file.py:ClassName, not {spec!r}")
    path = Path(path_text)
    if not path.is_file():
        raise PolicyError(f"--policy-module: no file {path_text!r}")
    module_name = f"orchestrator_user_policy_{abs(hash(str(path.resolve())))}"
    loader = importlib.util.spec_from_file_location(module_name, path)
    if loader is None or loader.loader is None:
        raise PolicyError(f"--policy-module: {path_text!r} is not a Python file")
    module = importlib.util.module_from_spec(loader)
    sys.modules[module_name] = module
    try:
        loader.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        raise PolicyError(f"--policy-module: {path_text} failed to load: {type(exc).__name__}: {exc}") from None
    cls = getattr(module, class_name, None)
    if cls is None:
        raise PolicyError(f"--policy-module: {path_text} has no {class_name!r}")
    return register(cls)
