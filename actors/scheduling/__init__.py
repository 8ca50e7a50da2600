"""Scheduling as pure rules: which nodes can run a task and how good each is.

Holds the filters, scores and placement with Kubernetes-style reasons
(:mod:`~actors.scheduling.rules`), the same rules over all nodes at once
(:mod:`~actors.scheduling.node_index`), the controller's copy of the nodes
(:mod:`~actors.scheduling.node_snapshot`) and placement quality figures
(:mod:`~actors.scheduling.quality`). The scheduler actor
(:mod:`actors.scheduler`) runs them.

May import: :mod:`actors.scheduling`, :mod:`actors.domain`, the standard
library, numpy and orjson. No actor module and nothing of :mod:`api`
(``tests/test_layout.py`` checks it).
"""
