"""Widgets added to a shown form stop where they show in the Tab order.

Qt puts a widget added later at the end of its window's Tab order — after a dialog's Save
and Cancel — and `QWidget.setTabOrder` links nothing from a widget Tab does not stop at
(a plain box holding rows), so a row chained after its box stayed at the end. `chain_after`
links from such a box too, for the moment of the call."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from app.gui.qt import Qt, QWidget


def chain_after(before: QWidget, widgets: Sequence[QWidget]) -> None:
    """Tab goes from `before` to each of `widgets` in turn, then on to what followed
    `before`. `before` may be a box Tab never stops at: the widgets come first in it."""
    policy = before.focusPolicy()
    if not policy & Qt.FocusPolicy.TabFocus:
        before.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # only while it is linked from
    try:
        for first, second in pairwise([before, *widgets]):
            QWidget.setTabOrder(first, second)
    finally:
        before.setFocusPolicy(policy)
