"""Table columns that fit the width they are given: the one job of `ColumnFitter`.

A narrow window (a 1366×768 laptop with a panel, a tiled half screen) must not make a table
scroll sideways and hide what matters. Each column has a priority, a minimum width and a
preferred width (the default, or the width the person dragged it to). When the viewport
narrows, the columns shrink from their preferred towards their minimum width (text elides);
when even the minimums do not fit, the lowest-priority columns are hidden, and they come back
as the viewport widens. One column may stretch to take what is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.gui.qt import QEvent, QHeaderView, QObject, QTableView


@dataclass(frozen=True)
class Column:
    index: int
    minimum: int
    preferred: int


def plan(columns: list[Column], priority: list[int], available: int,
         stretch: int | None = None) -> dict[int, int]:
    """Widths of the columns to show in `available` pixels (absent: hidden).

    `priority` lists column indexes most important first; a column is shown only if it and
    every more important column fit at their minimum widths (the first always is). Shown
    columns get their preferred width when everything fits; otherwise each gives up the same
    share of its slack (preferred − minimum). The `stretch` column gets at least its minimum
    and then whatever is left.
    """
    by_index = {c.index: c for c in columns}
    shown: list[Column] = []
    used = 0
    for i, index in enumerate(priority):
        column = by_index[index]
        if i and used + column.minimum > available:
            break  # a less important column never shows where a more important one cannot
        shown.append(column)
        used += column.minimum
    want = sum(c.preferred for c in shown)
    slack = sum(c.preferred - c.minimum for c in shown)
    over = max(0, want - available)
    share = min(1.0, over / slack) if slack else 0.0
    widths = {c.index: int(c.preferred - (c.preferred - c.minimum) * share) for c in shown}
    if stretch is not None and stretch in widths:
        others = sum(w for i, w in widths.items() if i != stretch)
        widths[stretch] = max(by_index[stretch].minimum, available - others)
    return widths


class ColumnFitter(QObject):
    """Keeps a table's columns fitted to its viewport (see the module docstring)."""

    def __init__(self, table: QTableView, columns: list[Column], priority: list[int],
                 stretch: int | None = None) -> None:
        super().__init__(table)
        self.table = table
        self.columns = {c.index: c for c in columns}
        self.priority = priority
        self.stretch = stretch
        self._fitting = False
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.sectionResized.connect(self._on_header_section_resized)
        table.viewport().installEventFilter(self)

    def hidden(self) -> list[int]:
        header = self.table.horizontalHeader()
        return [i for i in self.columns if header.isSectionHidden(i)]

    def fit(self) -> None:
        available = self.table.viewport().width()
        if available <= 0:
            return
        widths = plan(list(self.columns.values()), self.priority, available, self.stretch)
        header = self.table.horizontalHeader()
        self._fitting = True
        try:
            for index in self.columns:
                width = widths.get(index)
                header.setSectionHidden(index, width is None)
                if width is not None and header.sectionSize(index) != width:
                    header.resizeSection(index, width)
        finally:
            self._fitting = False

    def kept(self) -> str:
        """The preferred widths, to keep for the next start: "0:220 2:160 …"."""
        return " ".join(f"{c.index}:{c.preferred}" for c in self.columns.values()
                        if c.index != self.stretch)

    def keep(self, kept: str) -> None:
        """Preferred widths as `kept` said them (a header's saved sizes are fitted again
        from the preferred ones: a column dragged wider came back at its default), fitted."""
        for part in kept.split():
            index, _, width = part.partition(":")
            try:  # (not `isdigit`: "²" is a digit that `int` refuses)
                at, wide = int(index), int(width)
            except ValueError:
                continue  # a hand-edited value: that column keeps its default
            if at in self.columns and at != self.stretch and wide > 0:
                column = self.columns[at]
                self.columns[at] = Column(at, min(column.minimum, wide), wide)
        self.fit()

    def _on_header_section_resized(self, index: int, _old: int, new: int) -> None:
        """A person dragged a column edge: that is now its preferred width."""
        if self._fitting or index not in self.columns or index == self.stretch or new <= 0:
            return
        column = self.columns[index]
        self.columns[index] = Column(index, min(column.minimum, new), new)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False
