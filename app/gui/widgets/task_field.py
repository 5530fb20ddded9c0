"""A field for a task's name that offers the names there are as you type: the Runs filter,
the Graph's focus task and the editor's dependency lists use it."""

from __future__ import annotations

from app.gui.qt import QCompleter, QLineEdit, QStringListModel, Qt, QWidget


class TaskNameField(QLineEdit):
    """Completes from `set_names`, ignoring case and matching anywhere in a name."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.names = QStringListModel(self)
        completer = QCompleter(self.names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompleter(completer)

    def set_names(self, names: list[str]) -> None:
        self.names.setStringList(names)
