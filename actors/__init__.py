"""The control plane's actors and the pure logic beside them.

Holds one module per actor (``datastore``, ``node_manager``, ``task_manager``,
``deployment_manager``, ``controller``, ``scheduler``, ``kubelet``, ``timer``,
``event_recorder``), their plumbing (``inbox``, ``reply``, ``feed``,
``manager``, ``metrics``, ``supervisor``, ``leader``), and :mod:`actors.system`,
which starts them all in dependency order and writes down who calls whom. Beside
them, sub-packages with no actors: :mod:`actors.domain` (records and rules),
:mod:`actors.scheduling` (filters, scores, the node index) and
:mod:`actors.store` (the datastore's backends).

May import: the standard library, third-party packages, and itself. Never
:mod:`api`: the HTTP layer sits on top of the actors, not the other way round
(``tests/test_layout.py`` checks it).
"""

from actors.system import ControlPlane, Settings, start_control_plane

__all__ = ["ControlPlane", "Settings", "start_control_plane"]
