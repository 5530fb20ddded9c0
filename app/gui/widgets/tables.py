"""The table every list view shows its rows in (tasks, runs, audit): whole rows selected,
alternating colours, no grid, no wrapping, no row numbers, rows one line of text high."""

from __future__ import annotations

from app.gui.qt import QAbstractItemView, QAbstractTableModel, QTableView


def row_table(model: QAbstractTableModel, name: str, *, several: bool = False) -> QTableView:
    """A table over `model` named `name` (for style sheets and tests); `several` lets the
    person select more than one row."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if several
                           else QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move in it
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    return table
