"""The inline error label that names what is wrong under the field it is about, and the
size policy wrapped text in a form needs. Used by the editor and by every view's banner."""

from __future__ import annotations

from app.gui.qt import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QLabel,
    QResizeEvent,
    QSize,
    QSizePolicy,
    Qt,
    QTimer,
    QWidget,
)
from app.gui.widgets.status_text import paint_status


def wrapping_policy() -> QSizePolicy:
    """For wrapped text in a form: the whole width of the field, as many lines as it takes."""
    policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
    policy.setHeightForWidth(True)
    return policy


def keyboard_part(widget: QWidget | None) -> QWidget | None:
    """The part of `widget` that takes the keyboard: itself, its focus proxy, or its first
    child that does (a composite field: a number and its unit, a name list's input)."""
    if widget is None or widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
        return widget
    if widget.focusProxy() is not None:
        return keyboard_part(widget.focusProxy())
    return next((child for child in widget.findChildren(QWidget)
                 if child.focusPolicy() & Qt.FocusPolicy.TabFocus), None)


class WrappedLabel(QLabel):
    """Wrapped text whose minimum height is what the text takes at the label's width. Qt's
    own minimum for wrapped text is its height at a narrow guess of a width, which a form
    gave a note below a field before the field itself: the editor's task-name list and its
    Add button were squashed to a few pixels when their error showed."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setSizePolicy(wrapping_policy())
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._laid_out = False

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._laid_out = True  # a width of its own: the hint follows it
        self._fit_height()
        if self.heightForWidth(self.width()) not in (-1, self.height()):
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        """As tall as the text is at the label's width once it has one: Qt's own hint is
        the height at a narrow guess of a width (three lines for one), which a form gave
        the label, leaving a gap under a one-line error."""
        hint = super().sizeHint()
        height = self.heightForWidth(self.width()) if self._laid_out else -1
        return QSize(hint.width(), height) if height > 0 else hint

    def _fit_height(self) -> None:
        height = self.heightForWidth(self.width())
        if height > 0 and height != self.minimumHeight():
            self.setMinimumHeight(height)
            self.updateGeometry()


class ErrorLabel(WrappedLabel):
    """Red (palette-aware) text under a field; hidden while there is nothing to say.

    A label under a field never has the keyboard, so a screen reader would not read it: the
    `field` it is about says it too, as its accessible description while it shows ("Error:
    …"), and its own description again once the error is gone.

    A banner of no field (a view's or a dialog's: a refusal, what could not be read or saved)
    is said once as it appears or changes (an assertive announcement: the keyboard is
    elsewhere) and is a Tab stop while it shows, read-only text a reader can go back to. An
    error cleared and shown again in one go (the editor checks the whole task at each change)
    is not said again."""

    def __init__(self, parent: QWidget | None = None, field: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.field = field
        self._own: str | None = None  # the field's description while the error says it
        flags = Qt.TextInteractionFlag.TextSelectableByMouse
        if field is None:
            flags |= Qt.TextInteractionFlag.TextSelectableByKeyboard
            self._said: str | None = None  # what was announced last, while it still shows
            self._saying = QTimer(self)
            self._saying.setSingleShot(True)
            self._saying.timeout.connect(self._announce)
        self.setTextInteractionFlags(flags)
        if field is None:
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # (hidden: no Tab stop)
        self.hide()

    def show_error(self, text: str) -> None:
        paint_status(self, "failed")
        self.setText(f"⚠ {text}")
        self.setAccessibleName(f"Error: {text}")
        self._describe(f"Error: {text}")
        self.show()
        if self.field is None:
            self._saying.start(0)

    def clear_error(self) -> None:
        self.clear()
        self._describe(None)
        self.hide()
        if self.field is None:
            self._saying.start(0)

    def _announce(self) -> None:
        """Say the banner if it shows something not said yet (once the event loop is back:
        a clear and a show in one go are no change)."""
        said = self.accessibleName() if self.has_error and not self.isHidden() else None
        if said is not None and said != self._said:
            event = QAccessibleAnnouncementEvent(self, said)
            event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
            QAccessible.updateAccessibility(event)
        self._said = said

    def _describe(self, error: str | None) -> None:
        field = keyboard_part(self.field)
        if field is None:
            return
        if self._own is None:
            self._own = field.accessibleDescription()
        field.setAccessibleDescription(error if error is not None else self._own)
        if error is None:
            self._own = None

    @property
    def has_error(self) -> bool:
        return bool(self.text())
