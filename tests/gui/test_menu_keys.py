"""Every menu of the main window gives each entry its own Alt letter: the View menu had
“&Audit” and “&Appearance” both on A, so Alt+V then A never reached Appearance."""

from __future__ import annotations

from collections import Counter
from typing import Any

from app.gui.qt import QApplication, QMenu, Qt
from tests.gui.conftest import Gui


def _letter(text: str) -> str | None:
    """The letter after a lone “&” (“&&” is a plain ampersand), lower case."""
    i = 0
    while (i := text.find("&", i)) != -1 and i + 1 < len(text):
        if text[i + 1] != "&":
            return text[i + 1].lower()
        i += 2
    return None


def _clashes(title: str, menu: QMenu) -> list[str]:
    entries = [a for a in menu.actions() if not a.isSeparator() and a.text()]
    taken = Counter(letter for a in entries if (letter := _letter(a.text())))
    found = [f"{title}: {a.text()}" for a in entries if taken[_letter(a.text())] > 1]
    for a in entries:
        if a.menu() is not None:
            found += _clashes(f"{title} → {a.text()}", a.menu())
    return found


def test_no_two_entries_of_any_menu_share_an_alt_letter(gui: Gui) -> None:
    bar = gui.window.menuBar()
    tops = [a for a in bar.actions() if a.menu() is not None]
    assert len(tops) >= 5
    taken = Counter(_letter(a.text()) for a in tops)
    found = [f"menu bar: {a.text()}" for a in tops if taken[_letter(a.text())] > 1]
    for a in tops:
        found += _clashes(a.text(), a.menu())
    assert not found, "\n".join(found)


def test_alt_v_then_its_letter_opens_appearance(gui: Gui, qtbot: Any) -> None:
    window = gui.window
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    appearance = next(a for a in view.actions() if a.text().replace("&", "") == "Appearance")
    letter = _letter(appearance.text())
    assert letter is not None
    qtbot.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is view)
    qtbot.keyClick(view, getattr(Qt.Key, f"Key_{letter.upper()}"))
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is appearance.menu())
    appearance.menu().close()
    view.close()
