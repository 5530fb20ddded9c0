"""The editor's Schedule page: when a task fires, in its time zone, with a live preview.

Kinds: on demand only, once (a date-time picker), every N (interval), cron, calendar
(every N days/weeks/months/years at a time of day), and after other tasks succeed. The
preview puts the schedule into words and lists the next five fire times in the task's time
zone, recomputed as you type; a bad cron expression shows its error under the field, in a
line kept empty for it (“61 * * * *” pushed everything below down as the error came and went).
Time zone, Start and End keep two lines each, as their reasons wrap (an unknown zone moved
what is below down under the mouse); with that room every kind still fits the editor.

A new task has no schedule until the person chooses one (`chosen()` is False): nothing is
assumed, not even "only when I run it", so no task runs at a time nobody picked.

A task may have several schedules: "Add another schedule" adds one to a list, and the
widgets above edit the one selected there (`entries` keeps each one's JSON). Exclusion
dates ("Not on") apply to all of them; the preview shows the combined fires.

A task only run by hand (every schedule "Only when I run it") fires at no time, so its time
zone, start, end and missed-runs policy mean nothing: those rows are hidden, their values
kept, and come back as they were when a timed schedule is chosen (or when one of them has
an error to show).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo

from app.core.errors import ValidationError
from app.core.schedule import Schedule, parse_timezone
from app.gui.editor.name_list import NameList
from app.gui.editor.page import Page, lead_label
from app.gui.editor.schedule_choices import (
    CAL_UNITS,
    CRON_PRESETS,
    KINDS,
    NOT_CHOSEN,
    catch_up_box,
    zone_box,
)
from app.gui.editor.schedule_lists import ExclusionList, ScheduleList, schedule_words
from app.gui.editor.schedule_preview import NONE, Preview, only_tasks, preview
from app.gui.editor.widgets import DateTimeEdit, DurationEdit, FitStack, UnitBox, align_boxes
from app.gui.qt import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    Qt,
    QTime,
    QTimeEdit,
    QWidget,
)
from app.gui.widgets.date_sections import typed_over
from app.gui.widgets.error_label import wrapping_policy

TIME_FIELDS: Final = ("timezone", "start_at", "end_at", "catch_up")  # nothing to a by-hand task


class SchedulePage(Page):
    title = "Schedule"
    clock = staticmethod(lambda: datetime.now(UTC))  # the time it is (tests set theirs)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = self.form
        self.timezone = zone_box()  # placed further down; the dates below read it
        self.kind = QComboBox()
        for key, label in KINDS:
            self.kind.addItem(label, key)
        self.kind.setPlaceholderText(f"{NOT_CHOSEN}…")
        self.kind.setCurrentIndex(-1)
        form.addRow("&Runs", self.kind)
        self.stack = FitStack()  # page 0: nothing chosen yet; then one page per kind
        form.addRow(self.stack)
        self.add_error("schedule", self.kind)
        self.entries: list[dict[str, Any] | None] = [None]  # each schedule's JSON; None: unchosen
        self.current = 0  # the one the widgets edit
        self._loading = False

        self.stack.addWidget(self._note("Not chosen yet: the task runs at no time until you "
                                        "choose when above (or “Only when I run it”)."))
        self.stack.addWidget(self._note("Starts only when you press Run now, or as another "
                                        "task's fallback."))
        date_page, date_form = self._sub()
        self.at = DateTimeEdit(now=self._task_now)
        date_form.addRow("&At", self.at)
        self.add_error("at", self.at, date_form, lines=2)  # "is in the past: … (now …)"
        self.stack.addWidget(date_page)

        every_page, every_form = self._sub()
        self.every = DurationEdit()
        self.every.number.setValue(15)
        self.every.unit.setCurrentIndex(1)
        every_form.addRow("&Every", self.every)
        self.add_error("interval", self.every, every_form, lines=1)
        self.stack.addWidget(every_page)

        cron_page, cron_form = self._sub()
        cron_row = QWidget()
        row = QHBoxLayout(cron_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.cron = QLineEdit("0 2 * * *")
        self.cron.setPlaceholderText("minute hour day-of-month month day-of-week")
        self.cron.setFont(self._mono())
        self.presets = QComboBox()
        self.presets.addItem("Presets…", "")
        for label, expr in CRON_PRESETS:
            self.presets.addItem(label, expr)
        row.addWidget(self.cron, 1)
        row.addWidget(self.presets)
        cron_form.addRow("&Cron", cron_row)
        self.add_error("cron", self.cron, cron_form, lines=1)
        cron_form.addRow(self._note("Five fields: minute, hour, day of month, month, day of "
                                    "week (0 or 7 is Sunday); an optional leading seconds "
                                    "field; @hourly, @daily, @weekly, @monthly, @yearly, "
                                    "@reboot."))
        self.stack.addWidget(cron_page)

        cal_page, cal_form = self._sub()
        cal_row = QWidget()
        row = QHBoxLayout(cal_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.cal_count = QSpinBox()
        self.cal_count.setRange(1, 3653)
        self.cal_unit = UnitBox(CAL_UNITS, 1)  # "Every 1 day" to start
        self.cal_count.valueChanged.connect(self.cal_unit.say)
        self.cal_time = typed_over(QTimeEdit())
        self.cal_time.setDisplayFormat("HH:mm:ss")
        self.cal_time.setTime(QTime(2, 0))
        for part in (QLabel("Every"), self.cal_count, self.cal_unit, QLabel("at"), self.cal_time):
            row.addWidget(part)
        row.addStretch(1)
        cal_form.addRow(cal_row)
        self.add_error("calendar", cal_row, cal_form)
        self.stack.addWidget(cal_page)

        after_page, after_form = self._sub()
        self.after = NameList("Type a task name, then Add")
        after_form.addRow("&After", self.after)
        self.after.input.setAccessibleName("After")
        self.add_error("after", self.after, after_form)
        after_form.addRow(self._note("Runs each time all of these tasks have succeeded."))
        self.stack.addWidget(after_page)

        self.schedule_list = ScheduleList()
        form.addRow(self.schedule_list)
        self.exclusions = ExclusionList()
        form.addRow("&Not on", self.exclusions)
        self.add_error("exclude", self.exclusions)

        form.addRow("Time &zone", self.timezone)
        self.add_error("timezone", self.timezone, lines=2)
        self.start = DateTimeEdit("Not before", now=self._task_now)
        self.end = DateTimeEdit("Not after", now=self._task_now)
        align_boxes(self.start, self.end)
        form.addRow("&Start", self.start)
        self.add_error("start_at", self.start, lines=2)
        form.addRow("En&d", self.end)
        self.add_error("end_at", self.end, lines=2)
        self.catch_up = catch_up_box()
        form.addRow("&Missed runs", self.catch_up)
        self.add_error("catch_up", self.catch_up)
        # labels as wide as with every row shown: each kind's fields start where the rest do
        width = form.labelForField(self.catch_up).sizeHint().width()
        for sub, field in ((form, self.kind), (date_form, self.at), (every_form, self.every),
                           (cron_form, cron_row), (after_form, self.after)):
            sub.labelForField(field).setMinimumWidth(width)

        self.words = QLabel()
        self.words.setWordWrap(True)  # as many lines as it takes, across the whole field
        self.words.setSizePolicy(wrapping_policy())
        self.words.setStyleSheet("font-weight: bold")
        self.next_times = QLabel()
        self.next_times.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counting = self._note("")  # where an interval counts from
        self.counted_from: datetime | None = None  # an existing task's creation
        form.addRow("In words", self.words)
        form.addRow("Next runs", self.next_times)
        form.addRow("", self.counting)

        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.presets.activated.connect(self._on_preset_activated)
        for signal in (self.cron.textChanged, self.timezone.currentTextChanged,
                       self.cal_count.valueChanged, self.cal_unit.currentIndexChanged,
                       self.cal_time.timeChanged, self.catch_up.currentIndexChanged):
            signal.connect(self.changed)
        for widget in (self.at, self.every, self.after, self.start, self.end, self.exclusions):
            widget.changed.connect(self.changed)
        self.changed.connect(self._on_page_changed)
        self.schedule_list.picked.connect(self._on_schedule_picked)
        self.schedule_list.add_requested.connect(self._on_add_schedule)
        self.schedule_list.remove_requested.connect(self._on_remove_schedule)

    def _sub(self) -> tuple[QWidget, QFormLayout]:
        form = QFormLayout(page := QWidget())
        form.setContentsMargins(0, 0, 0, 0)
        return page, form

    def _on_kind_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index + 1)
        self.changed.emit()

    def chosen(self) -> bool:
        """Has the person chosen when the task runs (for each of its schedules)?"""
        self._sync()
        return all(e is not None for e in self.entries)

    # -- several schedules -----------------------------------------------------------------

    def _sync(self) -> None:
        """Keep the edited schedule's JSON in `entries` (nothing while loading one)."""
        if not self._loading:
            chosen = self.kind.currentIndex() >= 0
            self.entries[self.current] = self._one_json() if chosen else None

    def reason_shown(self, field: str, reason: str) -> str:
        if field == "interval" and (self.every.seconds() or 0) <= 0:  # in the unit shown
            return f"Every must be more than 0 {self.every.unit.currentText()}"
        return super().reason_shown(field, reason)

    def show_error(self, field: str, reason: str) -> bool:
        shown = super().show_error(field, reason)
        self._show_time_fields()
        return shown

    def clear_errors(self) -> None:
        super().clear_errors()
        self._show_time_fields()

    def _show_time_fields(self) -> None:
        """Hidden while every schedule is "Only when I run it" and none of them has an error."""
        by_hand = all(e is not None and e.get("kind") == "manual" for e in self.entries)
        wrong = any(self.errors[field][0].text() for field in TIME_FIELDS)
        for field in TIME_FIELDS:
            self.set_field_visible(field, wrong or not by_hand)

    def _on_page_changed(self) -> None:
        self._sync()
        tz_name = self.timezone.currentText().strip()
        self.schedule_list.set_words([schedule_words(e, tz_name) for e in self.entries],
                                     self.current)
        self.set_field_visible("exclude", self.exclusions.for_schedules(self.entries))
        lead_label(self.form, self.exclusions)  # Alt+N: the dates listed, or the one to add
        several_ok = self.kind.currentData() not in ("manual", "after")
        unchosen = any(e is None for e in self.entries)  # a second one would be empty too
        add = self.schedule_list.add_button
        add.setEnabled((several_ok or len(self.entries) > 1) and not unchosen)
        add.setToolTip("Choose when this one runs first" if unchosen else "")
        self._show_time_fields()

    def _show_entry(self, index: int) -> None:
        self.current = index
        self._loading = True
        try:
            self._load_one(self.entries[index], self.zone())
        finally:
            self._loading = False
        self.changed.emit()

    def _on_schedule_picked(self, index: int) -> None:
        self._sync()
        self._show_entry(index)

    def _on_add_schedule(self) -> None:
        self._sync()
        self.entries.append(None)
        self._show_entry(len(self.entries) - 1)
        self.kind.setFocus()

    def _on_remove_schedule(self) -> None:
        if len(self.entries) > 1:
            del self.entries[self.current]
            self._show_entry(max(0, self.current - 1))

    def _on_preset_activated(self, index: int) -> None:
        if expr := self.presets.itemData(index):
            self.cron.setText(str(expr))
        self.presets.setCurrentIndex(0)

    # -- reading and writing ----------------------------------------------------------------

    def zone(self) -> ZoneInfo:
        """The task's zone; UTC while the zone typed is not one (its error says so)."""
        try:
            return parse_timezone(self.timezone.currentText().strip() or "UTC", "tz")
        except ValidationError:
            return ZoneInfo("UTC")

    def _task_now(self) -> datetime:  # on the task's wall clock
        return self.clock().astimezone(self.zone())

    def load(self, data: dict[str, Any]) -> None:
        tz_name = data.get("timezone") or "UTC"
        if self.timezone.findText(tz_name) < 0:
            self.timezone.addItem(tz_name)
        self.timezone.setCurrentText(tz_name)
        tz = self.zone()  # (UTC while it is no zone this machine knows: said inline)
        schedule = dict(data.get("schedule") or {})  # none: a new task, nothing chosen yet
        self.exclusions.set_entries(list(schedule.pop("exclude", [])))
        self.exclusions.set_today(self._task_now().date())
        parts = schedule.get("schedules", []) if schedule.get("kind") == "any" else [schedule]
        self.entries = [dict(p) if p else None for p in parts] or [None]
        self.current = 0
        self._loading = True
        try:
            self._load_one(self.entries[0], tz)
        finally:
            self._loading = False
        for edit, key in ((self.start, "start_at"), (self.end, "end_at")):
            value = data.get(key)
            edit.set_wall(datetime.fromisoformat(value).astimezone(tz).replace(tzinfo=None)
                          if value else None)
        self.catch_up.setCurrentIndex(max(0, self.catch_up.findData(data.get("catch_up",
                                                                             "once"))))
        self._on_page_changed()

    def _load_one(self, schedule: dict[str, Any] | None, tz: tzinfo) -> None:
        """Show one schedule in the kind's widgets."""
        schedule = schedule or {}
        kind = schedule.get("kind")
        self.kind.setCurrentIndex(self.kind.findData(kind) if kind else -1)
        self.stack.setCurrentIndex(self.kind.currentIndex() + 1)
        self.at.reset()  # a default on this task's clock, should "Once" be chosen
        if kind == "date":
            self.at.set_wall(datetime.fromisoformat(schedule["at"]).astimezone(tz)
                             .replace(tzinfo=None))
        elif kind == "interval":
            self.every.set_seconds(float(schedule["seconds"]))
        elif kind == "cron":
            self.cron.setText(str(schedule["expr"]))
        elif kind == "calendar":
            for unit in reversed(CAL_UNITS):
                if schedule.get(unit):
                    self.cal_count.setValue(int(schedule[unit]))
                    self.cal_unit.setCurrentIndex(self.cal_unit.findData(unit))
            self.cal_time.setTime(QTime(schedule.get("hour", 0), schedule.get("minute", 0),
                                        schedule.get("second", 0)))
        elif kind == "after":
            self.after.set_names(list(schedule.get("tasks", [])))

    def collect(self, data: dict[str, Any]) -> None:
        data["timezone"] = self.timezone.currentText().strip()
        if self.chosen():  # else no schedule key: the dialog says to choose one
            data["schedule"] = self.schedule_json()
        for edit, key in ((self.start, "start_at"), (self.end, "end_at")):
            data[key] = wall.isoformat() if (wall := edit.wall()) else None
        data["catch_up"] = self.catch_up.currentData()

    def schedule_json(self) -> dict[str, Any]:
        """The task's schedule: the one, or several (``any``), with the exclusion dates."""
        self._sync()
        parts = [e if e is not None else {"kind": "manual"} for e in self.entries]
        out = dict(parts[0]) if len(parts) == 1 else {"kind": "any", "schedules": parts}
        if self.exclusions.entries():
            out["exclude"] = self.exclusions.entries()
        return out

    def _one_json(self) -> dict[str, Any]:
        kind = self.kind.currentData()
        if kind == "date":
            wall = self.at.wall()
            assert wall is not None
            return Schedule.parse_at(wall.isoformat(), self.zone()).to_json()
        if kind == "interval":
            seconds = float(self.every.seconds() or 0)
            return {"kind": "interval", "seconds": int(seconds) if seconds.is_integer()
                    else seconds}
        if kind == "cron":
            return {"kind": "cron", "expr": self.cron.text().strip()}
        if kind == "calendar":
            t = self.cal_time.time()
            out: dict[str, Any] = {"kind": "calendar", "hour": t.hour(), "minute": t.minute(),
                                   "second": t.second()}
            out[self.cal_unit.currentData()] = self.cal_count.value()
            return out
        if kind == "after":
            return {"kind": "after", "tasks": self.after.names()}
        return {"kind": "manual"}

    # -- preview ----------------------------------------------------------------------------

    def update_preview(self, now: datetime | None = None) -> None:
        """Words and the next five fire times; errors go under the field they are about."""
        shown = preview(only_tasks(self.schedule_json(), self.after.task_named),
                        self.timezone.currentText().strip(),
                        self.start.wall(), self.end.wall(), now or self.clock(),
                        self.counted_from) if self.chosen() else Preview(NONE, NONE)
        self.words.setText(shown.words)
        self.next_times.setText(shown.times)
        self.counting.setText(shown.note)
        self.form.setRowVisible(self.counting, bool(shown.note))
        error = shown.error  # no task added to After yet: said once been to, as an empty field
        if error is not None and (error.field != "after" or self.after.names()):
            self.show_error(error.field, error.reason)

