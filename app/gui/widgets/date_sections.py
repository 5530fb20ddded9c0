"""Date and time fields a person can click into and type over.

Qt's date-time field leaves a bare cursor where a click lands: digits typed there make the
part under it too long (the minutes "00" and a typed "30" become "3000"), and Qt drops them
without a word, so clicking the minutes and typing 30 changed nothing (a newcomer's
run-through of the editor's "At"). Here a click selects the part under it — the year, the
hour, the minutes — as the arrow keys and Tab do, so what is typed replaces it. A drag that
selects text itself is left as it is.
"""

from __future__ import annotations

from app.gui.qt import QDateTimeEdit, QEvent, QLineEdit, QMouseEvent, QObject, Qt, QTimer


class ClickSelectsPart(QObject):
    """Installed on `edit`'s line: each plain click selects the part under the cursor."""

    def __init__(self, edit: QDateTimeEdit) -> None:
        super().__init__(edit)
        self._edit = edit
        edit.lineEdit().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.MouseButtonRelease and isinstance(watched, QLineEdit)
                and isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.LeftButton
                and not watched.hasSelectedText()):
            QTimer.singleShot(0, self._select)  # once the click has placed the cursor
        return False

    def _select(self) -> None:
        self._edit.setSelectedSection(self._edit.currentSection())


def typed_over(edit: QDateTimeEdit) -> QDateTimeEdit:
    """`edit`, its parts selected by a click (`ClickSelectsPart`)."""
    ClickSelectsPart(edit)
    return edit
