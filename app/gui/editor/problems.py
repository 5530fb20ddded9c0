"""How the task editor shows what is wrong, one way for every error (the form's own, a name
taken, a program this machine lacks, the service's refusal on save): under the field it
names (the page's inline label), the page marked in the sidebar, and the first reason, in
page order, beside the Save button, where a click leads to its field."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.errors import ValidationError, curly
from app.gui.editor.page import Page
from app.gui.editor.schedule_choices import NOT_CHOSEN
from app.gui.qt import QIcon, QListWidget, QPushButton, Qt, QWidget
from app.gui.widgets import display
from app.gui.widgets.error_label import ErrorLabel

ALIASES = {"tz": "timezone", "start": "start_at", "end": "end_at", "every": "interval",
           "shell": "command", "secret_env": "env", "secret": "env", "value": "env",
           "group_limit": "group", "seconds": "interval"}
TO_FILL = "To fill in:"  # beside Save, an empty field not yet been to
HINT_WIDTH = 380  # px of the reason beside Save; the whole of it is in the tooltip


def route(field: str) -> str:
    """The editor's name for a field a ValidationError names."""
    head = field.split(".")[0].split("[")[0]
    return ALIASES.get(head, head)


def names(reason: str, label: str) -> bool:
    """Does `reason` already name the field `label` is the words of ("The command is
    empty…" of Command)? Where not ("must be between …", "use letters, digits …" of the
    concurrency group), the hint adds the label."""
    words = [w for w in label.lower().replace(":", "").split() if len(w) > 2]
    return bool(words) and all(w in reason.lower() for w in words)


def not_chosen(error: ValidationError | None) -> bool:
    """Is this the new task's "choose when it runs" (not a mistake, a choice to make)?"""
    return error is not None and error.field == "schedule" and error.reason == NOT_CHOSEN.lower()


class Problems:
    """The pages' error labels, the sidebar's marks and the hint beside Save, as one."""

    def __init__(self, pages: Sequence[Page], schedule: Page, sidebar: QListWidget,
                 banner: ErrorLabel, hint: QPushButton, beside: QWidget | None = None) -> None:
        """`beside`: what shares the hint's row (the dialog's buttons)."""
        self.beside = beside
        self.pages = pages
        self.schedule = schedule
        self.sidebar = sidebar
        self.banner = banner
        self.hint = hint
        self.hinted: ValidationError | None = None  # what the hint beside Save is about
        marked = display.status_icon("failed")
        for i in range(sidebar.count()):  # each row as tall and wide as with its mark: a mark
            item = sidebar.item(i)  # that comes or goes moved the rows below (2 px each)
            item.setIcon(marked)
            item.setSizeHint(sidebar.sizeHintForIndex(sidebar.model().index(i, 0)))
            item.setIcon(QIcon())

    def page_of(self, error: ValidationError) -> int:
        """The index of the page that shows `error` (past the last: the banner)."""
        field = route(error.field)
        return next((i for i, p in enumerate(self.pages) if field in p.errors), len(self.pages))

    def place_of(self, error: ValidationError) -> tuple[int, int]:
        """Where `error` shows: its page, then its field's row there (the pages add their
        error rows top to bottom)."""
        page = self.page_of(error)
        if page == len(self.pages):
            return page, 0
        return page, list(self.pages[page].errors).index(route(error.field))

    def hinted_place(self) -> tuple[int, QWidget | None] | None:
        """The page and the field the hint beside Save is about ("Choose when it runs": the
        schedule's kind); None for an error said in the banner."""
        hinted = self.hinted
        if hinted is None or not_chosen(hinted):
            return self.pages.index(self.schedule), self.schedule.widget_for("schedule")
        page = self.page_of(hinted)
        if page == len(self.pages):
            return None
        return page, self.pages[page].widget_for(route(hinted.field))

    def clear(self) -> None:
        for page in self.pages:
            page.clear_errors()
        self.banner.clear_error()

    def show(self, errors: Sequence[ValidationError], chosen: bool,
             waits: Callable[[ValidationError], bool] = lambda error: False
             ) -> ValidationError | None:
        """Show `errors` but those that `waits` for the person to reach their field (an empty
        field of a new task: `touched.py`), one per field, the first one given first; return
        the first in page order (top to bottom), shown or not."""
        shown: set[str] = set()
        said = [error for error in errors if not waits(error)]
        for error in said:
            if route(error.field) not in shown:
                shown.add(route(error.field))
                self.show_one(error)
        first = min(errors, key=self.place_of, default=None)
        waiting = [error for error in errors if error not in said and not not_chosen(error)]
        self._mark_pages(chosen, {self.page_of(error) for error in waiting})
        first_said = min(said, key=self.place_of, default=None)
        if first_said is not None and not not_chosen(first_said):
            self._show_hint(first_said, chosen)
        elif waiting:  # (before "Choose when it runs": in page order)
            self._show_to_fill(min(waiting, key=self.place_of))
        else:
            self._show_hint(None, chosen)
        return first

    def show_one(self, error: ValidationError) -> None:
        field = route(error.field)
        for page in self.pages:
            if page.show_error(field, error.worded(curly)):  # (names in the window's quotes)
                return
        self.banner.show_error(error.said(curly))

    def _show_hint(self, first: ValidationError | None, chosen: bool) -> None:
        self.hinted = first
        if first is not None:
            page = self.pages[min(self.page_of(first), len(self.pages) - 1)]
            reason = page.reason_shown(route(first.field), first.worded(curly))  # as under it
            label = page.label_of(route(first.field))
            text = (f"{page.title} › {label}: {reason}" if label and not names(reason, label)
                    else f"{page.title}: {reason}")
            shown = self.hint.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                                       self._room())
            self.hint.setText(shown.replace("&", "&&"))  # a button's "&": no Alt key
            self.hint.setIcon(display.status_icon("failed"))
            self.hint.setToolTip(f"Cannot save — {text}\nClick to go there")
            self.hint.setAccessibleName(f"Cannot save: {text}")  # whole, not cut short
        elif not chosen:
            self.hint.setText(NOT_CHOSEN)
            self.hint.setIcon(display.status_icon("interrupted"))
            self.hint.setToolTip("Go to the Schedule page")
            self.hint.setAccessibleName(NOT_CHOSEN)
        self.hint.setVisible(first is not None or not chosen)

    def _show_to_fill(self, error: ValidationError) -> None:
        """An empty field not yet been to: named as one to fill in, not as a mistake."""
        self.hinted = error
        page = self.pages[min(self.page_of(error), len(self.pages) - 1)]
        label = page.label_of(route(error.field)) or route(error.field).replace("_", " ")
        text = f"{TO_FILL} {page.title} › {label}"
        self.hint.setText(text.replace("&", "&&"))
        self.hint.setIcon(display.status_icon("interrupted"))  # needs attention
        self.hint.setToolTip(f"{page.reason_shown(route(error.field), error.worded(curly))}\n"
                             "Click to go there")
        self.hint.setAccessibleName(text)
        self.hint.setVisible(True)

    def _room(self) -> int:
        """The hint's width: what the dialog leaves beside its buttons (at least HINT_WIDTH;
        "must be between 0 a…" was cut with room to spare)."""
        window = self.hint.window()
        beside = self.beside.sizeHint().width() if self.beside is not None else 0
        icon = self.hint.iconSize().width() + 24  # the icon, its gap and the button's edges
        return max(HINT_WIDTH, window.width() - beside - icon - 48)

    def _mark_pages(self, chosen: bool, to_fill: set[int]) -> None:
        failed, attention = display.status_icon("failed"), display.status_icon("interrupted")
        for i, page in enumerate(self.pages):
            item = self.sidebar.item(i)
            if page is self.schedule and not chosen:
                item.setIcon(attention)
                item.setToolTip(NOT_CHOSEN)
            elif page.has_errors():
                item.setIcon(failed)
                item.setToolTip("This page has an error")
            elif i in to_fill:
                item.setIcon(attention)
                item.setToolTip("This page has a field to fill in")
            else:
                item.setIcon(QIcon())
                item.setToolTip("")
