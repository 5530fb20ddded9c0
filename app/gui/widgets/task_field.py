"""A field for a task's name that offers the names there are as you type: the Runs filter,
the Graph's task and its "Add dependency…", the editor's dependency lists (and its Fallback).

A short list of names (up to `SHORT`) is handed to Qt's completer whole, which matches it at
each key as before. A home with more tasks is looked up in the store instead: once the typing
pauses (`QUIET_MS`), the `BEST` names containing the text, those starting with it first, are
read off the GUI thread and offered; an answer to older text is dropped. With 100,000 names
handed to it, the completer's own matching froze the window 65–400 ms at each key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.gui.background import Background
from app.gui.qt import QCompleter, QLineEdit, QObject, QStringListModel, Qt, QTimer, QWidget
from app.gui.tasks import reads
from app.service import Service

SHORT = 1000  # names given to Qt whole up to this many (it matches 1,000 in about 1 ms)
BEST = 50  # names read for what is typed, past SHORT
QUIET_MS = 150  # the pause in typing that reads them


@dataclass(frozen=True)
class Lookup:
    """Where a field finds names in a big home: the store, read on `background`'s pool."""

    background: Background
    service: Service
    without: str | None = None  # the edited task's own name: never offered
    linked: bool = False  # only tasks with a dependency or fallback (the Graph hiding others)

    def find(self, text: str) -> list[str]:
        """The best names for `text` (a pool thread's work)."""
        return reads.names_matching(self.service, text, BEST, self.without, self.linked)

    def first(self) -> list[str]:
        """The first SHORT + 1 names, A–Z: all of them in a small home (a pool thread's)."""
        return reads.names_matching(self.service, "", SHORT + 1, self.without, self.linked)


class Completions(QObject):
    """The names a line edit's completer offers, ignoring case and matching anywhere in a
    name: all of them (`set_names`), or the store's best for what is typed (`offer`)."""

    def __init__(self, line: QLineEdit) -> None:
        super().__init__(line)
        self.line = line
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.given = 0  # names handed to Qt, all told
        self.lookup: Lookup | None = None  # set: the names are looked up as typed
        self._asked = 0  # the newest read's number: an older read's answer is dropped
        self._looked = 0  # the newest `look_up`'s number: likewise
        self._edits = 0  # texts a person typed (not those the program set: Show runs)
        self._settled = 0  # `_edits` at the last Enter (or the keys gone elsewhere)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(QUIET_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        line.textEdited.connect(self._on_line_text_edited)
        line.editingFinished.connect(self._on_line_editing_finished)

    def set_names(self, names: Sequence[str]) -> None:
        """Offer these names, all of them, matched by Qt at each key."""
        self.lookup = None
        self._asked += 1
        self._looked += 1
        self._give(names)

    def offer(self, names: Sequence[str], lookup: Lookup) -> None:
        """`names` (at least the first SHORT + 1 there are) if they are few, else the store's
        best for what is typed, looked up through `lookup`."""
        if len(names) <= SHORT:
            self.set_names(names)
            return
        self._looked += 1
        if lookup == self.lookup:  # looked up as typed already: the next read has the news
            return
        self.lookup = lookup
        self._asked += 1
        self._give([])
        if self.line.text().strip():  # typed before the names came
            self.timer.start()

    def look_up(self, lookup: Lookup) -> None:
        """Read the first names through `lookup`, then `offer` them (unless names were
        offered since: the Graph's filter changed again). A name typed meanwhile in a small
        home is completed once they come (the Graph's "Add dependency…" reads them as it
        opens: typed at once, nothing was offered until the next key) — typed, not put there
        by the program (Show runs' task name popped a list up over the runs)."""
        self._looked += 1
        looked, edits = self._looked, self._edits

        def done(names: list[str]) -> None:
            if looked != self._looked:
                return
            self.offer(names, lookup)
            typed = self._edits > edits and self._edits != self._settled  # (and no Enter)
            if self.lookup is None and typed and self.line.text():
                self._pop_up()

        lookup.background.run(lookup.first, done, owner=self, title="Cannot read task names")

    def _give(self, names: Sequence[str]) -> None:
        self.given += len(names)
        self.model.setStringList(list(names))

    def _on_line_text_edited(self, _text: str) -> None:
        self._edits += 1
        if self.lookup is not None:
            self._asked += 1  # a read still running answers text no longer there
            self.timer.start()

    def _on_line_editing_finished(self) -> None:
        """Enter (or the keys gone elsewhere): no list pops up after it for what was typed
        before (the Runs filter applied, then a list of names over the runs)."""
        self.timer.stop()
        self._asked += 1
        self._settled = self._edits

    def _on_timer_timeout(self) -> None:
        lookup, text, asked = self.lookup, self.line.text(), self._asked
        if lookup is None or not text.strip():
            return
        lookup.background.run(lambda: lookup.find(text),
                               lambda names: self._on_found(asked, names), owner=self,
                               title="Cannot read task names")

    def _on_found(self, asked: int, names: list[str]) -> None:
        if asked != self._asked:  # typed again since: its own read answers
            return
        self._give(names)
        self._pop_up()

    def _pop_up(self) -> None:
        if self.line.hasFocus():  # the popup as Qt shows it after a key
            self.completer.setCompletionPrefix(self.line.text())
            self.completer.complete()


class TaskNameField(QLineEdit):
    """Completes from `set_names` or `offer` (see `Completions`)."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.completions = Completions(self)
        self.names = self.completions.model
        self.setCompleter(self.completions.completer)

    def set_names(self, names: Sequence[str]) -> None:
        self.completions.set_names(names)

    def offer(self, names: Sequence[str], lookup: Lookup) -> None:
        self.completions.offer(names, lookup)

    def look_up(self, lookup: Lookup) -> None:
        self.completions.look_up(lookup)
