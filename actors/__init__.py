"""The control plane's actors and the pure logic beside them."""

from actors.system import ControlPlane, Settings, start_control_plane

__all__ = ["ControlPlane", "Settings", "start_control_plane"]
