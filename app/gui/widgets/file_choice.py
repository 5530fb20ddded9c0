"""Choosing a file or a folder: the one dialog behind every such choice in the window.

Qt's own dialog, not the desktop's, so it looks and behaves the same everywhere and a test
can type a path into it as a person does. It is window-modal and opened with `open()`, so
the event loop goes on (the engine's events, the views' refreshes) while it is up; the
chosen path comes back through `chosen`, and Cancel does nothing. With a `purpose`, the
folder last chosen from is kept (QSettings `folders/<purpose>`, with the layout of the home
whose window it was chosen in: a work home's exports are not a home's of one's own; a home
with none yet starts from the last chosen in any, `appearance.kept`) and the next choice for
that purpose starts there, unless the caller gives a folder of its own (the field's folder,
the home's backups).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from app.gui.qt import QFileDialog, QHeaderView, QSize, QTreeView, QWidget
from app.gui.settings import appearance

Mode = Literal["open", "save", "folder"]
ANY_FILE = "All files (*)"
ROOMY = QSize(820, 500)  # at least: Qt's own 632×408 is cramped


def choose(parent: QWidget, title: str, chosen: Callable[[str], None], *,
           mode: Mode = "open", filters: Sequence[str] = (ANY_FILE,),
           folder: str | Path | None = None, name: str = "",
           purpose: str | None = None) -> QFileDialog:
    """Open the dialog over `parent` (a file to open, a file to save as `name` by default,
    or a folder) and return it, so its owner can keep it; `chosen(path)` once one is
    chosen. It starts in `folder` when that is one, else where `purpose` was last chosen
    from."""
    dialog = QFileDialog(parent, title)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.resize(dialog.size().expandedTo(ROOMY))
    details = dialog.findChild(QTreeView, "treeView")  # Qt's list of files, by columns
    if details is not None:  # Size, Type and Date as wide as their words ("152…KiB" and
        # "JSO…ent" were cut), the name in the rest (it was cut beside an empty strip)
        header = details.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    if mode == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    else:
        dialog.setNameFilters(list(filters))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile if mode == "open"
                           else QFileDialog.FileMode.AnyFile)
    if mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    home = appearance.home_of(parent)
    start = _start(folder, _kept(home, purpose))
    if start:
        dialog.setDirectory(start)
    if name:
        dialog.selectFile(name)

    def on_selected(path: str) -> None:
        if purpose is not None:
            kept = path if mode == "folder" else str(Path(path).parent)
            appearance.keep(home, f"folders/{purpose}", kept)
        chosen(path)

    dialog.fileSelected.connect(on_selected)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def _start(folder: str | Path | None, kept: str) -> str:
    """The folder to start in: the caller's, else the purpose's last (`kept`), else the
    person's home folder (not the working directory the app was started from)."""
    for candidate in (folder, kept, Path.home()):
        if candidate and Path(candidate).expanduser().is_dir():
            return str(Path(candidate).expanduser())
    return ""


def _kept(home: Path | None, purpose: str | None) -> str:
    return "" if purpose is None else appearance.kept(home, f"folders/{purpose}")
