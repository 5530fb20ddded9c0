"""The private session bus and the notification server, for the tests in this folder."""

from tests.support.dbus_session import notification_server, session_bus

__all__ = ["notification_server", "session_bus"]
