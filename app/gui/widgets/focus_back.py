"""The keyboard goes back to a dialog's window when the dialog closes, for every dialog.

A window manager activates the window a closed dialog belonged to; without one (a bare X
server, Xvfb without a window manager, the offscreen platform) no window was active once the
task editor, a question such as "Delete task", the Settings, About or a cancelled file
dialog closed, so F5 or an arrow key pressed next went nowhere.

One `FocusBack` per application, made where it starts (`FocusBack.install`), mends it for
every window that has a parent window (a dialog, a question box, a file dialog, a help
window): when such a window closes *while it has the keyboard*, its parent window is asked
to take it. A window that lost the keyboard before it closed — to another application, or
to another window the window manager chose — is left as it is, so nothing is taken from
them: the check is made as the window hides, before any later choice, which then stands.
A popup's window that has hidden again (a completer's list, a name picked from it) is not
where the keys went: the offscreen platform gives a popup the keyboard as it shows and leaves
it there once it hides, so a dialog closed a moment after a completion was picked in it was
thought to have lost the keys (the editor saved, the Graph's "Add dependency…" answered).

It costs the event loop nothing per ordinary event: Qt calls it when the keyboard moves to
another window (`QGuiApplication.focusWindowChanged`) and when one of the windows it has
seen with the keyboard is shown or hidden — never for a key, a click or a paint (no event
filter)."""

from __future__ import annotations

from app.gui.qt import QApplication, QObject, Qt, QWindow, Slot

_WATCHED = "tickwork_focus_back"  # a window's dynamic property: its hiding is watched
_ASKED = "tickwork_focus_asked"  # and the turn it was asked to take the keys in (`_turn`)
_HELD = "tickwork_focus_held"  # the turn a window, not a popup, last took the keys in
_KINDS = (Qt.WindowType.Window, Qt.WindowType.Dialog, Qt.WindowType.Sheet,
          Qt.WindowType.Tool)  # not menus (popups) or tooltips: Qt hands their keys back


class FocusBack(QObject):
    """Gives a closed window's keyboard back to its parent window (see the module)."""

    @classmethod
    def install(cls, app: QApplication) -> FocusBack:
        """The application's one `FocusBack`, made the first time (a test's application
        outlives its windows; Tickwork's outlives each store it opens)."""
        found = app.findChild(FocusBack, "FocusBack")
        if isinstance(found, FocusBack):
            return found
        made = cls(app)
        made.setObjectName("FocusBack")
        app.focusWindowChanged.connect(made._on_app_focus_window_changed)
        return made

    # counts the moves of the keyboard: a window asked to take it in this turn has not had
    # it yet (a number on the window, not the window: PySide may let go of the wrapper)
    _turn = 0
    _held = 0  # the turn the last window that was not a popup took the keys in

    @Slot(QWindow)
    def _on_app_focus_window_changed(self, window: QWindow | None) -> None:
        self._turn += 1  # the keys landed (here, elsewhere, or left the application)
        if window is not None and window.type() != Qt.WindowType.Popup:
            self._held = self._turn
            window.setProperty(_HELD, self._turn)
        if (window is None or window.transientParent() is None or window.type() not in _KINDS
                or window.property(_WATCHED)):
            return
        window.setProperty(_WATCHED, True)
        window.visibleChanged.connect(self._on_window_visible_changed)

    @Slot(bool)
    def _on_window_visible_changed(self, visible: bool) -> None:
        window = self.sender()
        if visible or not isinstance(window, QWindow):
            return
        # the keys went elsewhere before, unless this window was just asked to take them
        # from a window that closed, and closes before they land ("Discard changes?" →
        # Discard, then the editor): they go on to its own parent
        if not self._has_keys(window) and window.property(_ASKED) != self._turn:
            return
        parent = window.transientParent()
        if (parent is not None and parent.isVisible()
                and not parent.windowStates() & Qt.WindowState.WindowMinimized):
            parent.requestActivate()
            parent.setProperty(_ASKED, self._turn)

    def _has_keys(self, window: QWindow) -> bool:
        """Whether `window` has the keyboard: it is the focus window, or it was the last one
        before a popup that has hidden since (see the module)."""
        focus = QApplication.focusWindow()
        if focus is window:
            return True
        return (focus is not None and focus.type() == Qt.WindowType.Popup
                and not focus.isVisible() and window.property(_HELD) == self._held)
