"""The Schedule page's fields start in one column: the field of each kind's own row (At,
Every, Cron, After) where Runs, Time zone and Missed runs start theirs. (They started
right after their short labels, 40–60 px to the left of the fields above and below.)"""

from __future__ import annotations

from app.gui.qt import QPoint
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import choose_schedule, new_editor


def test_each_kinds_field_starts_where_the_pages_fields_do(gui: Gui) -> None:
    editor = new_editor(gui)
    page = editor.schedule
    qtbot = gui.qtbot

    def left(widget: object) -> int:
        return widget.mapTo(editor, QPoint(0, 0)).x()  # type: ignore[attr-defined]

    fields = {"date": page.at, "interval": page.every, "cron": page.cron,
              "after": page.after.input}
    for kind, field in fields.items():
        choose_schedule(editor, qtbot, kind)
        gui.wait_until(field.isVisible)
        assert left(field) == left(page.kind) == left(page.timezone), kind
        assert left(field) == left(page.catch_up), kind
        if kind == "cron":
            assert editor.grab().save(str(SCREENSHOTS / "editor-schedule-aligned-cron.png"))
