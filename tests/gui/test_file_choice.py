"""The one file dialog (app/gui/widgets/file_choice.py): Qt's own, modal to its window, a
path typed and Enter chooses it, Escape chooses nothing; each purpose starts where its last
choice was made, a folder the caller names first, and the memory outlives the window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.gui.qt import QFileDialog, QWidget
from app.gui.widgets import file_choice
from tests.gui.file_dialogs import cancel, choose_path


class Owner(QWidget):
    """A window that keeps its dialog as the window's views do."""

    def __init__(self) -> None:
        super().__init__()
        self.file_dialog: QFileDialog | None = None
        self.chosen: list[str] = []

    def choose(self, **how: Any) -> QFileDialog:
        self.file_dialog = file_choice.choose(self, "Pick", self.chosen.append, **how)
        assert self.file_dialog.isVisible() and self.file_dialog.testOption(
            QFileDialog.Option.DontUseNativeDialog)
        return self.file_dialog


class Driver:
    """The `Gui` handles tests.gui.file_dialogs uses, for a bare widget."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot

    def wait_until(self, check: Callable[[], Any], timeout: float = 10.0) -> None:
        self.qtbot.waitUntil(lambda: bool(check()), timeout=int(timeout * 1000))


def test_each_purpose_starts_where_its_last_choice_was_made(qtbot: Any, tmp_path: Path) -> None:
    owner = Owner()
    qtbot.addWidget(owner)
    owner.show()
    drive = Driver(qtbot)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "one.json").write_text("{}")

    choose_path(drive, owner.choose(purpose="exports"), tmp_path / "a" / "one.json")
    choose_path(drive, owner.choose(mode="folder", purpose="folders"), tmp_path / "b")
    assert owner.chosen == [str(tmp_path / "a" / "one.json"), str(tmp_path / "b")]

    again = Owner()  # another window, later: the memory is the settings'
    qtbot.addWidget(again)
    again.show()
    dialog = again.choose(mode="save", purpose="exports", name="out.json")
    assert dialog.directory().absolutePath() == str(tmp_path / "a")
    choose_path(drive, dialog, tmp_path / "a" / "out.json")
    assert again.chosen == [str(tmp_path / "a" / "out.json")]
    dialog = again.choose(mode="folder", purpose="folders")
    assert dialog.directory().absolutePath() == str(tmp_path / "b")  # the folder chosen
    cancel(drive, dialog)
    dialog = again.choose(purpose="exports", folder=tmp_path / "b")  # the caller's first
    assert dialog.directory().absolutePath() == str(tmp_path / "b")
    cancel(drive, dialog)
    dialog = again.choose(purpose="exports", folder=tmp_path / "gone")  # else the memory
    assert dialog.directory().absolutePath() == str(tmp_path / "a")
    cancel(drive, dialog)
    assert again.chosen == [str(tmp_path / "a" / "out.json")]  # Escape chose nothing
