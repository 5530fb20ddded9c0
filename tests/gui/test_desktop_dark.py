"""A desktop's own dark palette, the window following the system (the default): GNOME's
dark style through a Qt that draws with Fusion (no Qt theme of the desktop's own, or
QT_QPA_PLATFORMTHEME=gtk3), a bare X session with a dark palette. Only a pinned View ›
Appearance › Dark drew the edge of check boxes and radio buttons: under the desktop's dark
palette Fusion drew them a shade off the window (#141618 boxes on #202326, about 1.1:1), so
"Run through the shell", "Call a Python function" and Settings' options all but vanished."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.gui.qt import QAbstractButton, QColor, QPalette, QStyle, QStyleOption
from app.gui.settings import appearance
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, open_settings
from tests.gui.editing import go, new_editor
from tests.gui.test_runs_tint import contrast


def breeze_dark() -> QPalette:
    """A desktop's dark palette (Plasma 6's Breeze Dark colours), every role as a desktop's
    platform theme hands them to Qt."""
    palette = QPalette(QColor("#292c30"), QColor("#202326"))
    roles = QPalette.ColorRole
    for role, colour in {
            roles.Window: "#202326", roles.WindowText: "#fcfcfc", roles.Base: "#141618",
            roles.AlternateBase: "#1d1f22", roles.Text: "#fcfcfc", roles.Button: "#292c30",
            roles.ButtonText: "#fcfcfc", roles.Highlight: "#3daee9",
            roles.HighlightedText: "#fcfcfc", roles.ToolTipBase: "#292c30",
            roles.ToolTipText: "#fcfcfc", roles.Link: "#1d99f3", roles.LinkVisited: "#9b59b6",
            roles.PlaceholderText: "#a1a9b1"}.items():
        palette.setColor(role, QColor(colour))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6e7175"))
    return palette


@pytest.fixture
def desktop_dark(qapp: Any) -> Iterator[None]:
    """The desktop went dark, the window following the system (offscreen Qt draws with
    Fusion, as where the desktop names no Qt style)."""
    assert appearance.settings().value("appearance", "system") == "system"
    qapp.setPalette(breeze_dark())
    yield
    appearance.apply(qapp, "system")
    display.clear_icon_cache()


def edge_contrast(button: QAbstractButton) -> float:
    """How far the edge of an unchecked box or radio button stands out from the window
    around it, as drawn (the sharpest of the indicator's first pixels across its middle)."""
    option = QStyleOption()
    option.initFrom(button)
    element = (QStyle.SubElement.SE_CheckBoxIndicator if button.inherits("QCheckBox")
               else QStyle.SubElement.SE_RadioButtonIndicator)
    indicator = button.style().subElementRect(element, option, button)
    image = button.grab().toImage()
    ratio = image.devicePixelRatio()
    window = button.palette().color(QPalette.ColorRole.Window)
    y = int(indicator.center().y() * ratio)
    edge = [image.pixelColor(int(indicator.left() * ratio) + dx, y) for dx in range(3)]
    return max(contrast(pixel, window) for pixel in edge)


@pytest.mark.usefixtures("desktop_dark", "no_user_bus")
def test_unchecked_boxes_and_radio_buttons_show_their_edge(gui: Gui) -> None:
    assert display.dark_mode()
    dialog = open_settings(gui)
    box = dialog.start_at_login
    gui.wait_until(lambda: box.isVisible())
    assert not box.isChecked()
    gui.qtbot.wait(50)
    assert edge_contrast(box) >= 3  # WCAG's for a control's edge
    assert dialog.grab().save(str(SCREENSHOTS / "desktop-dark-settings.png"))
    dialog.reject()

    editor = new_editor(gui)  # File › New task
    go(editor, gui.qtbot, "Action")
    gui.qtbot.wait(50)
    shell, python = editor.action.shell, editor.action.is_python
    assert not shell.isChecked() and not python.isChecked()
    assert edge_contrast(shell) >= 3
    assert edge_contrast(python) >= 3
    assert editor.grab().save(str(SCREENSHOTS / "desktop-dark-editor-action.png"))
    editor.reject()
