"""The import direction of the layout, read from the source with ``ast``.

Every module under ``actors/`` and ``api/`` is parsed, imports inside
functions included (and ``importlib.import_module("...")`` with a literal
name), and held to the rules below. A failure names the module, the line and
the forbidden import. The rules are the docstrings of the packages'
``__init__.py``, written as code:

- ``actors`` (all of it) never imports ``api``: the HTTP layer sits on the actors.
- ``api.client`` imports neither ``actors`` nor any ``api`` module outside
  ``api.client``: a client runs with its own dependencies and talks HTTP.
- ``api.native`` never imports ``api.client``: the server does not lean on its clients.
- The two front ends stand apart: ``api.native`` never imports ``api.kube``,
  and ``api.kube`` imports of ``api.native`` only ``api.native.validation``
  (the id and label rules both follow) and nothing of ``api.client``.
- ``actors.domain`` and ``actors.scheduling`` import only each other, the
  standard library, numpy and orjson: pure rules, no actors, no threads of
  their own.
- ``actors.store`` imports of the control plane only ``actors.store`` and
  ``actors.domain``; the one exception is ``actors.store.etcd``, whose
  ``EtcdDatastore`` extends the datastore and completes its replies, so it
  may import ``actors.datastore`` and ``actors.reply``.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("actors", "api")
PURE_THIRD_PARTY = frozenset({"numpy", "orjson"})


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def source_modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = source_modules()


def imports_of(module: str, source: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in ``source``, wherever it is.
    ``from a import b`` counts as ``a.b`` when that is a module, else as ``a``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield node.lineno, full if full in MODULES else base
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def _pure(module: str, imported: str) -> bool:
    top = imported.split(".")[0]
    if top == "actors":
        return within(imported, "actors.domain") or within(imported, "actors.scheduling")
    return top in sys.stdlib_module_names or top in PURE_THIRD_PARTY


def _store(module: str, imported: str) -> bool:
    if not within(imported, "actors"):
        return not within(imported, "api")
    if within(imported, "actors.store") or within(imported, "actors.domain"):
        return True
    return module == "actors.store.etcd" and imported in ("actors.datastore", "actors.reply")


@dataclasses.dataclass(frozen=True)
class Rule:
    scope: str
    """The package whose modules the rule holds."""
    allows: Callable[[str, str], bool]
    """(importing module, imported module) -> allowed?"""
    says: str

    def __str__(self) -> str:
        return self.scope


RULES = [
    Rule("actors", lambda m, i: not within(i, "api"), "actors never import api"),
    Rule(
        "api.client",
        lambda m, i: not within(i, "actors") and (not within(i, "api") or within(i, "api.client")),
        "api.client imports neither actors nor an api module outside api.client",
    ),
    Rule("api.native", lambda m, i: not within(i, "api.client"), "api.native never imports api.client"),
    Rule("api.native", lambda m, i: not within(i, "api.kube"), "api.native never imports api.kube"),
    Rule(
        "api.kube",
        lambda m, i: not within(i, "api.client") and (not within(i, "api.native") or i == "api.native.validation"),
        "api.kube imports of api.native only api.native.validation, and nothing of api.client",
    ),
    Rule("actors.domain", _pure, "actors.domain imports only actors.domain, actors.scheduling, the standard library, numpy, orjson"),
    Rule("actors.scheduling", _pure, "actors.scheduling imports only actors.scheduling, actors.domain, the standard library, numpy, orjson"),
    Rule(
        "actors.store",
        _store,
        "actors.store imports of the control plane only actors.store and actors.domain "
        "(actors.store.etcd also actors.datastore and actors.reply), and nothing of api",
    ),
]


def violations(rule: Rule, modules: dict[str, Path] = MODULES) -> list[str]:
    found = []
    for module, path in modules.items():
        if not within(module, rule.scope):
            continue
        for line, imported in imports_of(module, path.read_text(encoding="utf-8"), path.name == "__init__.py"):
            if not rule.allows(module, imported):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                found.append(f"{where}:{line}: {module} imports {imported} ({rule.says})")
    return found


@pytest.mark.parametrize("rule", RULES, ids=str)
def test_imports_go_the_way_the_layout_says(rule):
    assert any(within(m, rule.scope) for m in MODULES), f"no module in {rule.scope}: is the rule still needed?"
    found = violations(rule)
    assert not found, "forbidden imports:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("actors.x", "import api.app", ["api.app"]),
        ("actors.x", "def f():\n    from api import create_app", ["api"]),
        ("api.client.x", "from api import client", ["api.client"]),
        ("api.client.x", "from . import tables", ["api.client.tables"]),
        ("api.client.x", "from ..native import serialize", ["api.native.serialize"]),
        ("actors.store.x", "import importlib\nimportlib.import_module('actors.timer')", ["importlib", "actors.timer"]),
    ],
)
def test_every_import_is_seen(module, source, expected):
    assert [imported for _, imported in imports_of(module, source)] == expected


def test_a_forbidden_import_is_named_with_its_module_and_line(tmp_path):
    path = tmp_path / "commands.py"
    path.write_text("import json\n\ndef f():\n    from actors.domain.errors import ValidationError\n")
    client_rule = next(r for r in RULES if r.scope == "api.client")
    found = violations(client_rule, {"api.client.commands": path})
    assert len(found) == 1
    assert "api.client.commands imports actors.domain.errors" in found[0] and ":4:" in found[0]
