"""The Audit view's verdict on a trail kept without a keyring: intact, but “unkeyed: cannot
detect truncation or rollback” — a warning, painted the green of “all well” beside it. A
verdict with such a note is now in the amber of the window's other warnings; a plain
“intact” stays green."""

from __future__ import annotations

from typing import Any

import keyring
import pytest
from keyring.backends import fail

from app.gui.qt import Qt
from app.gui.widgets.display import STATUS_COLOURS
from tests.gui.conftest import SCREENSHOTS, command_task


def _verdict(gui: Any, qtbot: Any, said: str = "intact") -> tuple[str, str]:
    """Ctrl+6, Alt+R (Verify trail): the verdict's words and colour."""
    qtbot.keyClick(gui.window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.audit_view
    gui.wait_until(lambda: view.model.ever_loaded and view.table.hasFocus())
    qtbot.keyClick(view.table, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    gui.wait_until(lambda: view.result.isVisible() and said in view.result.text())
    label = view.result
    return label.text(), label.palette().color(label.foregroundRole()).name()


def test_an_unkeyed_trail_is_intact_in_a_warnings_colour(
        gui_factory: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())  # (no keyring)
    gui = gui_factory(engine=False)
    gui.service.create_task(command_task("Burn"))
    text, colour = _verdict(gui, qtbot)
    assert text.endswith("(unkeyed: cannot detect truncation or rollback)"), text
    assert colour in STATUS_COLOURS["warning"], colour
    SCREENSHOTS.mkdir(exist_ok=True)
    assert gui.window.audit_view.grab().save(str(SCREENSHOTS / "audit-verify-unkeyed.png"))


def test_a_keyed_trail_is_intact_in_green(gui_factory: Any, qtbot: Any) -> None:
    gui = gui_factory()
    gui.service.create_task(command_task("Burn"))
    text, colour = _verdict(gui, qtbot)
    assert text.startswith("✓ The audit trail is intact") and "(" not in text, text
    assert colour in STATUS_COLOURS["succeeded"], colour


def test_a_keyed_trail_where_the_keyring_cannot_be_used_is_not_verified_not_tampered(
        gui_factory: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its keys cannot be checked there (the keyring locked, or none in this session); its
    order and links hold. The view said "✕ The audit trail was tampered with", in red."""
    gui = gui_factory(engine=False)
    gui.service.create_task(command_task("Burn"))  # keyed: the keyring was there
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())  # then it is not
    text, colour = _verdict(gui, qtbot, "verified")
    assert text.startswith("⚠ The audit trail's order and links hold (1 event), but its keys "
                           "cannot be verified: the keyring cannot be used") and \
        "tampered" not in text, text
    assert colour in STATUS_COLOURS["warning"], colour
    assert gui.window.audit_view.grab().save(str(SCREENSHOTS / "audit-verify-no-keyring.png"))
