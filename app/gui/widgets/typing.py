"""A filter field that follows the typing: its text is read once the typing pauses, so a big
store is not read again on every key, or at once on Enter (or when the focus leaves with a
change not yet read), or at once when a completion is picked. The Tasks search, the Runs task
filter and the Calendar's filter use it.
"""

from __future__ import annotations

from collections.abc import Callable

from app.gui.qt import QLineEdit, QObject, Qt, QTimer


class TypingPause(QObject):
    """Calls `read` once `field` has been quiet for `quiet_ms` after a change. `edited_only`:
    only a person's edits count (typing, the clear button), not the program's `setText`."""

    def __init__(self, field: QLineEdit, quiet_ms: int, read: Callable[[], None], *,
                 edited_only: bool = False) -> None:
        super().__init__(field)
        self._read = read
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(quiet_ms)
        self.timer.timeout.connect(read)
        (field.textEdited if edited_only else field.textChanged).connect(self.timer.start)
        field.editingFinished.connect(self.flush)
        completer = field.completer()
        if completer is not None:  # a pick (queued: after Qt's own setText of it) is read:
            # picked after a pause it was not (its setText is no edit, Enter found none due)
            completer.activated.connect(self._on_completer_activated,
                                        Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> bool:
        """A change is typed and not read yet."""
        return self.timer.isActive()

    def _on_completer_activated(self, _text: str) -> None:
        self.timer.stop()
        self._read()

    def flush(self) -> None:
        """Read a change not yet read, now."""
        if self.timer.isActive():
            self.timer.stop()
            self._read()

    def cancel(self) -> bool:
        """Forget a change not yet read; whether there was one."""
        pending = self.timer.isActive()
        self.timer.stop()
        return pending
