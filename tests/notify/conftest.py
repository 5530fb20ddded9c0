"""The private session bus and the notification server, for the tests in this folder; their
engines idle at the tests' quick pace (tests/engine/conftest.py)."""

from tests.engine.conftest import quick_engines
from tests.support.dbus_session import notification_server, session_bus

__all__ = ["notification_server", "quick_engines", "session_bus"]
