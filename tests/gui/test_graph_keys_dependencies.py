"""Dependencies in the Graph by keyboard alone: they could be added by a drag and removed by
a click on an arrow only. With a task selected (the arrow keys), the Menu key opens its menu:
“Add dependency…” asks which task it waits for, in the same name field with completion the
editor's Waits for list uses, and adds it through the service as a drag does; “Remove
dependency …” on each of its arrows asks first, naming both tasks, as Del on a clicked
arrow does."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, QDialog, QMenu, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, answer_question
from tests.gui.test_graph import _pipeline, _show_graph


def _menu(gui: Gui, canvas: Any, shift_f10: bool = False) -> QMenu:
    """The Menu key (or Shift+F10) on the canvas: the menu it opens."""
    if shift_f10:
        gui.qtbot.keyClick(canvas, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    else:
        gui.qtbot.keyClick(canvas, Qt.Key.Key_Menu)
    gui.wait_until(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    return menu


def _pick(gui: Gui, menu: QMenu, starts: str) -> None:
    """Down to the entry that starts with `starts`, then Enter, as a person picks it."""
    texts = [a.text().replace("&", "") for a in menu.actions()]
    assert any(t.startswith(starts) for t in texts), texts
    while not (menu.activeAction() and
               menu.activeAction().text().replace("&", "").startswith(starts)):
        gui.qtbot.keyClick(menu, Qt.Key.Key_Down)
    gui.qtbot.keyClick(menu, Qt.Key.Key_Return)


def test_add_and_remove_a_dependency_by_keyboard(gui: Gui) -> None:
    ids = _pipeline(gui)  # Fetch → Transform → Load; Audit alone
    view = _show_graph(gui)
    canvas = view.canvas
    canvas.setFocus()
    gui.wait_until(canvas.hasFocus)
    for _ in range(3):  # Fetch, Transform, Load
        gui.qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.selected == ids["Load"]

    _pick(gui, _menu(gui, canvas), "Add dependency")
    gui.wait_until(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    dialog = QApplication.activeModalWidget()
    field = dialog.focusWidget()
    gui.wait_until(lambda: dialog.isActiveWindow() and field.hasFocus())  # it has the keys
    gui.qtbot.keyClicks(field, "aud")  # completes from the tasks there are
    popup = field.completer().popup()
    gui.wait_until(popup.isVisible)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "graph-add-dependency-keys.png"))
    gui.qtbot.keyClick(popup, Qt.Key.Key_Down)
    gui.qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert field.text() == "Audit", (field.text(), dialog.isVisible())
    gui.qtbot.keyClick(field, Qt.Key.Key_Return)
    gui.wait_until(lambda: gui.service.get_task(ids["Load"]).spec.depends_on
                   == ("Transform", "Audit"))
    gui.wait_until(lambda: (ids["Audit"], ids["Load"]) in canvas.routes.paths)
    assert canvas.hasFocus() and canvas.selected == ids["Load"]
    # (the arrow may be drawn first: the graph reads the change the service told of, while
    # the adding's own result, which says it, is still on its way back from its pool thread)
    gui.wait_until(lambda: "“Load” now waits for “Audit”." in gui.window.status.currentMessage())

    answer = answer_question(gui.qtbot, "Remove dependency", "graph-remove-dependency-keys")
    _pick(gui, _menu(gui, canvas, shift_f10=True), "Remove dependency “Audit” → “Load”")
    gui.wait_until(lambda: answer.done)
    assert "Remove the dependency “Load” waits for “Audit”?" in answer.text
    gui.wait_until(lambda: gui.service.get_task(ids["Load"]).spec.depends_on
                   == ("Transform",))
    gui.wait_until(lambda: (ids["Audit"], ids["Load"]) not in canvas.routes.paths)
    assert canvas.selected == ids["Load"]  # the keyboard's place is kept
    gui.settle()
    assert view.grab().save(str(SCREENSHOTS / "graph-dependencies-by-keys.png"))
