"""A minimal system tray host for tests: a StatusNotifierWatcher (the D-Bus tray protocol
that Qt's QSystemTrayIcon uses on Linux desktops) on the session bus. With it running,
Qt reports a system tray, and each icon that registers is printed as `registered NAME`.

Run it with `python -m tests.support.tray_host` on a private bus (`dbus-daemon --session`);
it prints `ready` once it owns its name."""

from __future__ import annotations

import sys

from PySide6.QtCore import Property, QCoreApplication, QObject, Signal, Slot
from PySide6.QtDBus import QDBusConnection


class Watcher(QObject):
    StatusNotifierItemRegistered = Signal(str)
    StatusNotifierHostRegistered = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []

    @Slot(str)
    def RegisterStatusNotifierItem(self, service: str) -> None:  # its D-Bus name
        self.items.append(service)
        print(f"registered {service}", flush=True)
        self.StatusNotifierItemRegistered.emit(service)

    @Slot(str)
    def RegisterStatusNotifierHost(self, service: str) -> None:  # its D-Bus name
        print(f"host {service}", flush=True)

    def _host(self) -> bool:
        return True

    def _items(self) -> list[str]:
        return list(self.items)

    def _version(self) -> int:
        return 0

    IsStatusNotifierHostRegistered = Property(bool, _host, constant=True)
    RegisteredStatusNotifierItems = Property("QStringList", _items, constant=True)
    ProtocolVersion = Property(int, _version, constant=True)


def main() -> int:
    app = QCoreApplication(sys.argv)
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        print("no session bus", flush=True)
        return 1
    watcher = Watcher()
    options = (QDBusConnection.RegisterOption.ExportAllSlots
               | QDBusConnection.RegisterOption.ExportAllProperties
               | QDBusConnection.RegisterOption.ExportAllSignals)
    if not bus.registerObject("/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher",
                              watcher, options):
        print("could not register the watcher object", flush=True)
        return 1
    if not bus.registerService("org.kde.StatusNotifierWatcher"):
        print("could not own org.kde.StatusNotifierWatcher", flush=True)
        return 1
    print("ready", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
