"""File → Restore…'s dialog shows each backup's Size whole at its default size: the column
was cut ("12…" for "128.00 KiB"), so a person could not tell a full backup from an empty
one. The file chosen from it is restored (tests/gui/test_restore_reopens.py)."""

from __future__ import annotations

from app.gui.qt import QFileDialog, QTreeView
from app.store import backup
from tests.gui.conftest import SCREENSHOTS, Gui, command_task


def test_the_restore_dialogs_size_column_is_whole(gui: Gui) -> None:
    for i in range(30):  # a store of some size: its backups' sizes are long words
        gui.service.create_task(command_task(f"task {i}"))
    backup.make(gui.store.home, kind="manual")
    gui.window.store_ops.restore.trigger()  # File → Restore…
    dialog = gui.window.store_ops.file_dialog
    assert isinstance(dialog, QFileDialog)
    gui.wait_until(dialog.isVisible)
    tree = dialog.findChild(QTreeView, "treeView")  # Qt's list of files, by columns
    assert tree is not None
    model = tree.model()
    gui.wait_until(lambda: model.rowCount(tree.rootIndex()) > 0, 10)
    gui.qtbot.wait(200)  # (the sizes are filled in as the files are looked at)
    assert dialog.grab().save(str(SCREENSHOTS / "restore-dialog-size.png"))
    header = tree.header()
    sizes = [str(model.index(r, 1, tree.rootIndex()).data())
             for r in range(model.rowCount(tree.rootIndex()))]
    assert all("KiB" in s for s in sizes), sizes
    for column in (1, 0):  # the room each row's words and the header's need, whole
        needed = max(tree.sizeHintForColumn(column), header.sectionSizeHint(column))
        assert header.sectionSize(column) >= needed, (column, header.sectionSize(column),
                                                      needed, sizes)
    assert not header.isSectionHidden(1)
    dialog.reject()
