"""Date and time fields a person can click into and type over.

Qt's date-time field leaves a bare cursor where a click lands: digits typed there make the
part under it too long (the minutes "00" and a typed "30" become "3000"), and Qt drops them
without a word, so clicking the minutes and typing 30 changed nothing (a newcomer's
run-through of the editor's "At"). Here a click selects the part under it — the year, the
hour, the minutes — as the arrow keys and Tab do, so what is typed replaces it. A drag that
selects text itself is left as it is.

A time typed whole, as it is written, is taken as written (a run-through under X: "04:15:00"
typed in "Every day at 03:30" made it 03:15, the hour lost, and "4:15" made 04:30:15):
- digits typed over a selection of more than one part (Ctrl+A, a drag) go to the first part
  selected; Qt dropped them, every one until a separator;
- the separator typed after digits that filled a part is the move to the next part Qt has
  already made by itself; Qt made a second one, so the minutes went into the seconds.
"""

from __future__ import annotations

from app.gui.qt import QDateTimeEdit, QEvent, QKeyEvent, QLineEdit, QMouseEvent, QObject, Qt, QTimer

MODIFIERS = frozenset({Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr,
                       Qt.Key.Key_Meta, Qt.Key.Key_CapsLock})


class ClickSelectsPart(QObject):
    """Installed on `edit` and its line: a plain click selects the part under the cursor,
    and what is typed goes part by part as written (the module's docstring)."""

    def __init__(self, edit: QDateTimeEdit) -> None:
        super().__init__(edit)
        self._edit = edit
        self._digit_in: int | None = None  # the part the last key, a digit, was typed in
        edit.lineEdit().installEventFilter(self)
        edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.MouseButtonRelease and isinstance(watched, QLineEdit)
                and isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.LeftButton
                and not watched.hasSelectedText()):
            QTimer.singleShot(0, self._select)  # once the click has placed the cursor
        elif (event.type() == QEvent.Type.KeyPress and watched is self._edit
                and isinstance(event, QKeyEvent) and event.key() not in MODIFIERS):
            return self._typed(event.text())  # (Shift before ":" is no key typed)
        return False

    def _typed(self, text: str) -> bool:
        """Before a key reaches the field: True to leave it out (a separator Qt has obeyed)."""
        edit = self._edit
        digit_in, self._digit_in = self._digit_in, None
        if text.isdigit() and len(text) == 1:
            line = edit.lineEdit()
            part = edit.sectionText(edit.currentSection())
            if len(line.selectedText()) > len(part):  # more than a part: its first one
                line.setCursorPosition(line.selectionStart())
                self._select()
            self._digit_in = edit.currentSectionIndex()
            return False
        moved_on = digit_in is not None and edit.currentSectionIndex() != digit_in
        return bool(text) and not text.isalnum() and not text.isspace() and moved_on

    def _select(self) -> None:
        self._edit.setSelectedSection(self._edit.currentSection())


def typed_over(edit: QDateTimeEdit) -> QDateTimeEdit:
    """`edit`, its parts selected by a click and typed as written (`ClickSelectsPart`)."""
    ClickSelectsPart(edit)
    return edit
