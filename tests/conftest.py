from __future__ import annotations

import pykka
import pytest

from actors.system import ControlPlane, Settings, start_control_plane
from tests.helpers import FakeClock


@pytest.fixture(autouse=True)
def _stop_all_actors():
    """No test leaves an actor thread behind, whatever it did."""
    yield
    pykka.ActorRegistry.stop_all()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def control_plane(clock: FakeClock) -> ControlPlane:
    """Every actor, on a fake clock and without the timer: time moves only
    when the test advances ``clock``, and reconciles run when something
    changes or the test asks (see ``tests.helpers.settle``)."""
    cp = start_control_plane(Settings(clock=clock, start_timer=False, node_timeout=40.0))
    yield cp
    cp.stop()
