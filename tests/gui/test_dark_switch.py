"""View › Appearance › Dark recolours everything on screen at once (a person's run-through
found what had been coloured before the switch kept its light shades): a run's output
already shown (black on the dark base until another run was selected), the status bar's
"● Engine running" (the light palette's green, about 3:1 on the dark bar), the Settings
dialog's unchecked boxes (their edge a shade darker than the window), and failed rows
(pink on a saturated dark red)."""

from __future__ import annotations

from PySide6.QtGui import QImage

from app.gui.qt import QColor, QPalette, QRect, QStyle, QStyleOption, Qt
from app.gui.runs.model import STATUS
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_runs_tint import contrast


def choose_scheme(gui: Gui, scheme: str) -> None:
    """View › Appearance › (Light | Dark), as a click on the menu entry does."""
    (action,) = [a for a in gui.window.menus.schemes.actions() if a.data() == scheme]
    action.trigger()
    gui.qtbot.wait(50)


def sharpest(image: QImage, area: QRect, against: QColor) -> float:
    """The highest contrast of a pixel in `area` of `image` against `against`."""
    ratio = image.devicePixelRatio()
    best = 1.0
    for x in range(int(area.left() * ratio), int(area.right() * ratio)):
        for y in range(int(area.top() * ratio), int(area.bottom() * ratio)):
            best = max(best, contrast(image.pixelColor(x, y), against))
    return best


def test_a_switch_to_dark_recolours_what_is_shown(gui: Gui, restore_palette: None) -> None:
    s = gui.service
    s.create_task(command_task("talks", ["sh", "-c", "echo said out; echo said err >&2"]))
    s.create_task(command_task("breaks", ["sh", "-c", "exit 3"]))
    talks = s.run_now("talks")
    broken = s.run_now("breaks")
    gui.wait_until(lambda: {s.get_run(r.id).status for r in (talks, broken)}
                   == {"succeeded", "failed"}, 30)
    window = gui.window
    choose_scheme(gui, "light")
    window.resize(1100, 700)
    window.activateWindow()
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    view = window.runs_view
    gui.wait_until(lambda: view.model.row_of(talks.id) >= 0)
    view.select_run(talks.id)
    gui.wait_until(lambda: "said err" in view.detail.output_text())
    gui.quiet()

    choose_scheme(gui, "dark")
    gui.qtbot.wait(100)
    assert display.dark_mode()
    assert window.grab().save(str(SCREENSHOTS / "dark-switch-runs.png"))

    # the output shown before the switch: its text (stdout) and stderr readable on the base
    log = view.detail.log
    base = log.palette().color(QPalette.ColorRole.Base)
    image = log.viewport().grab().toImage()
    rect = log.viewport().rect()
    assert sharpest(image, rect, base) >= 7  # light text, not the light palette's black
    block = log.document().findBlockByNumber(1)  # "said err", in the failure colour
    assert block.text() == "stderr: said err"
    err_line = log.blockBoundingGeometry(block).translated(log.contentOffset()).toRect()
    assert sharpest(image, err_line & rect, base) >= 4.5

    # the detail's status in the dark shade
    status = view.detail.fields["Status"]
    assert contrast(status.palette().color(QPalette.ColorRole.WindowText),
                    status.palette().color(QPalette.ColorRole.Window)) >= 4.5

    # the status bar's engine state and failure count, as drawn on the dark bar
    bar = window.status
    shot = bar.grab().toImage()
    ground = bar.palette().color(QPalette.ColorRole.Window)
    for widget in (bar.engine, bar.failures):
        assert widget.isVisible()
        area = QRect(widget.mapTo(bar, widget.rect().topLeft()), widget.size())
        assert sharpest(shot, area, ground) >= 4.5, widget.objectName()
    assert bar.grab().save(str(SCREENSHOTS / "dark-switch-status.png"))

    # the failed row: its status and its text readable on its tint (AAA, >= 7)
    model = view.model
    row = model.row_of(broken.id)
    tint = model.data(model.index(row, STATUS), Qt.ItemDataRole.BackgroundRole)
    assert isinstance(tint, QColor)
    text = view.table.palette().color(QPalette.ColorRole.Text)
    assert contrast(display.status_colour("failed"), tint) >= 7
    assert contrast(text, tint) >= 7


def test_unchecked_boxes_show_their_edge_in_dark(gui: Gui, restore_palette: None) -> None:
    window = gui.window
    choose_scheme(gui, "dark")
    gui.qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: getattr(window, "settings_dialog", None) is not None
                   and window.settings_dialog.loaded)
    dialog = window.settings_dialog
    box = dialog.start_at_login
    gui.wait_until(lambda: box.isVisible())
    assert not box.isChecked()
    gui.qtbot.wait(50)
    option = QStyleOption()
    option.initFrom(box)
    indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    image = box.grab().toImage()
    window_colour = box.palette().color(QPalette.ColorRole.Window)
    ratio = image.devicePixelRatio()
    y = int(indicator.center().y() * ratio)
    edge = [image.pixelColor(int(indicator.left() * ratio) + dx, y) for dx in range(3)]
    assert max(contrast(p, window_colour) for p in edge) >= 3  # WCAG's for a control's edge
    assert dialog.grab().save(str(SCREENSHOTS / "dark-switch-settings.png"))
    dialog.reject()
