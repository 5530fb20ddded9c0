"""Tab from the list of views goes into the view shown, at its first field.

Qt's own Tab from the list skipped the fields a view shows first — the Runs view's filters,
the Audit view's search, the calendar's buttons — or left the focus in the list (the Tasks
view): found using the window under Xvfb. A view's fields are in order in the focus chain
(Shift+Tab from the first of them comes back to the list), so Tab goes to the first of them
that takes the focus by Tab.
"""

from __future__ import annotations

from app.gui.qt import QEvent, QKeyEvent, QListWidget, QObject, QStackedWidget, Qt, QWidget


class TabIntoView(QObject):
    """Installed on the list of views (`nav`) over the stack of views it switches."""

    def __init__(self, nav: QListWidget, stack: QStackedWidget) -> None:
        super().__init__(nav)
        self._stack = stack
        nav.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Tab
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            first = first_tab_stop(self._stack.currentWidget())
            if first is not None:
                first.setFocus(Qt.FocusReason.TabFocusReason)
                return True
        return False


def first_tab_stop(view: QWidget | None) -> QWidget | None:
    """The first widget inside `view`, in focus-chain order, that Tab may stop at."""
    if view is None:
        return None
    widget: QWidget | None = view.nextInFocusChain()
    for _ in range(10_000):  # (the chain is a ring through the whole window)
        if widget is None or widget is view:
            return None
        if (view.isAncestorOf(widget) and widget.isVisible() and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and widget.focusProxy() is None):
            return widget
        widget = widget.nextInFocusChain()
    return None
