"""The Runs view, newest first, showed ▲ on its Run column (Fusion, the style of Linux and of
the app's Light and Dark, draws Qt's descending arrow pointing up): read as oldest first.
The arrow now points down while the newest run is on top and up once a click puts the oldest
there, on the column sorted by, and stays where it was when a column that cannot sort is
clicked — which says so at the pointer (the click seemed to do nothing). Looked at as a
person does: the header grabbed to a picture, its arrow's ink."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.gui.main_window import RUNS
from app.gui.qt import QColor, Qt, QToolTip
from app.gui.runs.model import ATTEMPT, RUN, TASK
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.test_runs_sort import _click_header, _old_runs


def _differ(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) > 60


def _arrow(gui: Gui, shot: Path) -> tuple[int, str]:
    """The column whose title shows a sort arrow, and which way it points (“up”, “down”),
    read off a picture of the header (saved to `shot`): the title that changes when the
    arrow is hidden, its rightmost mark (the arrow, right of the words), and whether that is
    wider at the bottom (▲) or the top (▼)."""
    header = gui.window.runs_view.table.horizontalHeader()
    gui.settle()
    shown = header.grab().toImage()
    assert shown.save(str(shot))
    header.setSortIndicatorShown(False)
    hidden = header.grab().toImage()
    header.setSortIndicatorShown(True)
    scale = shown.devicePixelRatio()
    changed = {header.logicalIndexAt(int(x / scale)) for y in range(shown.height())
               for x in range(shown.width())
               if _differ(shown.pixelColor(x, y), hidden.pixelColor(x, y))}
    assert len(changed) == 1, changed  # the arrow is on one title
    (column,) = changed
    left = int(header.sectionViewportPosition(column) * scale) + 2
    right = int((header.sectionViewportPosition(column) + header.sectionSize(column)) * scale) - 3
    back = shown.pixelColor(right, shown.height() // 2)  # the title's background, at its edge
    inked = [x for x in range(left, right) if any(
        _differ(shown.pixelColor(x, y), back) for y in range(2, shown.height() - 2))]
    mark = [inked[-1]]  # the rightmost mark: columns of ink with no gap between them
    for x in reversed(inked[:-1]):
        if x != mark[-1] - 1:
            break
        mark.append(x)
    widths = [n for n in (sum(_differ(shown.pixelColor(x, y), back) for x in mark)
                          for y in range(shown.height())) if n]
    assert len(widths) >= 3 and len(mark) <= 12, (widths, mark)  # an arrow, not a word
    return column, "up" if widths[0] < widths[-1] else "down"


def test_the_sort_arrow_points_the_way_the_runs_go(gui: Gui, qtbot: Any,
                                                    tmp_path: Path) -> None:
    first = datetime.now(UTC) - timedelta(days=1)
    _old_runs(gui, "zulu", 3, first)
    _old_runs(gui, "alpha", 3, first + timedelta(hours=1))
    gui.window.resize(1180, 720)
    qtbot.keyClick(gui.window, Qt.Key(Qt.Key.Key_1 + RUNS), Qt.KeyboardModifier.ControlModifier)
    view = gui.window.runs_view
    model = view.model
    gui.wait_until(lambda: model.rowCount() == 6)

    def ids() -> list[int]:
        return [model.run(r).id for r in range(6)]  # type: ignore[union-attr]

    assert ids() == sorted(ids(), reverse=True)  # newest first
    assert _arrow(gui, tmp_path / "newest-first.png") == (RUN, "down")
    assert gui.window.grab().save(str(SCREENSHOTS / "runs-newest-first-arrow.png"))

    _click_header(qtbot, view.table, RUN)  # oldest first
    gui.wait_until(lambda: ids() == sorted(ids()))
    assert _arrow(gui, tmp_path / "oldest-first.png") == (RUN, "up")

    _click_header(qtbot, view.table, TASK)
    if view.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder:
        _click_header(qtbot, view.table, TASK)
    gui.wait_until(lambda: model.run(0).task_name == "alpha")  # type: ignore[union-attr]
    assert _arrow(gui, tmp_path / "task-a-to-z.png") == (TASK, "up")
    _click_header(qtbot, view.table, TASK)
    gui.wait_until(lambda: model.run(0).task_name == "zulu")  # type: ignore[union-attr]
    assert _arrow(gui, tmp_path / "task-z-to-a.png") == (TASK, "down")

    _click_header(qtbot, view.table, ATTEMPT)  # no order by it: the arrow stays, and says so
    assert QToolTip.isVisible()
    assert QToolTip.text() == "Cannot sort by “Attempt”: still sorted by “Task”."
    assert _arrow(gui, tmp_path / "attempt-clicked.png") == (TASK, "down")
    assert model.run(0).task_name == "zulu"  # type: ignore[union-attr]
