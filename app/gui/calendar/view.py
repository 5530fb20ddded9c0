"""The Calendar view (Ctrl+2): what ran and what will run, by month, week or day.

Past runs come from the run ledger, coloured by status; future fires come from the
engine's own simulation (`calendar.data`), drawn dashed and as long as the task usually
takes. Everything is read and grouped off the GUI thread; at most one read is in flight
(a change meanwhile asks for one more), and a hidden view only notes that it is stale.

Clicking an entry selects it (a line under the grid says what it is; the task actions act on
its task), the keys move a cursor (the month's days, the week's and day's hours, empty ones
too; past the days shown the period follows) and Down steps into what is drawn there
(entries, and the blocks that stand for many: a busy day's counts, an hour's), and
double-click or Enter opens it, as in the task table: a run in the Runs view, a prediction
in its task's editor, a block's list. Dragging
a one-shot task's prediction reschedules it through the service (audited, and refused with
the reason when the new time is invalid), and a busy day opens as a list.

Signals:
    open_task_requested(int): edit this task.
    open_run_requested(int): show this run.
    message(str): something for the status bar.
    selection_changed(): another entry was selected (or the period changed): the task
        actions follow the selected entry's task, and act on nothing once it is out of view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from app.core.task import Task
from app.gui.background import Background, describe_error
from app.gui.calendar.data import MODES, CalendarData, Entry, Period, read_period, task_ids_matching
from app.gui.calendar.day_list import DayListDialog
from app.gui.calendar.days import TimeView
from app.gui.calendar.footer import PickedLine, status_text
from app.gui.calendar.model import focus_day, period_for
from app.gui.calendar.month import MonthGrid
from app.gui.calendar.period_bar import PeriodBar
from app.gui.calendar.picking import Picking
from app.gui.calendar.words import grid_words
from app.gui.qt import (
    QHideEvent,
    QLabel,
    QPalette,
    QShowEvent,
    QStackedWidget,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    alive,
)
from app.gui.session import Session
from app.gui.settings import appearance
from app.gui.widgets import display
from app.gui.widgets.error_label import ErrorLabel
from app.gui.widgets.typing import TypingPause
from app.service import Service

FILTER_QUIET_MS = 300  # the name filter reads once the typing pauses this long


def local_now() -> datetime:
    return datetime.now().astimezone()


LEGEND = ("Filled: runs, coloured by status · dashed: predicted fires, as long as the task "
          "usually takes · drag a one-shot task's prediction to reschedule it")


class CalendarView(QWidget):
    open_task_requested = Signal(int)
    open_run_requested = Signal(int)
    message = Signal(str)
    selection_changed = Signal()

    def __init__(self, service: Service, background: Background,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CalendarView")
        self.service = service
        self.background = background
        self.now: Callable[[], datetime] = local_now  # the clock the view reads at
        mode = appearance.kept(service.store.home, "calendar/mode", "month")  # this home's
        self.period: Period = period_for(mode if mode in MODES else "month", self.now().date())
        self.data: CalendarData | None = None
        self.loaded = False
        self.loads = 0
        self._stale = True
        self._generation = 0
        self._reading = 0  # past-only reads in flight
        self._simulating = False  # a full read (with the simulation) in flight
        self._wanted = False  # one more full read asked for while one runs
        self._sim_generation = 0
        self._task_ids: set[int] | None = None
        self.day_list: DayListDialog | None = None

        self.bar = PeriodBar(self.period.mode)
        self.banner = ErrorLabel()
        self.banner.setObjectName("CalendarBanner")
        self.month = MonthGrid()
        self.week = TimeView()
        self.grids = (self.month, self.week.grid)  # where entries are picked (and Del heard)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.month)
        self.stack.addWidget(self.week)
        self.status = QLabel()
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.status.setWordWrap(True)
        self.picked_line = PickedLine()
        self.picking = Picking(self.grids, self.picked_line, self)
        self.picking.changed.connect(self._on_picking_changed)
        self.legend = QLabel(LEGEND)
        self.legend.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.legend.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.picked_line)
        layout.addWidget(self.status)
        layout.addWidget(self.legend)

        # changes re-read after a quiet spell that grows with the cost of a read, so a busy
        # engine cannot keep a pool thread simulating all the time
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.timeout.connect(self.reload)
        self._clock = QTimer(self)
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(self._on_clock_timeout)
        self.bar.today.clicked.connect(self._on_today_clicked)
        self.bar.prev.clicked.connect(lambda: self.show_period(self.period.moved(-1)))
        self.bar.next.clicked.connect(lambda: self.show_period(self.period.moved(1)))
        self.bar.mode_chosen.connect(self._on_bar_mode_chosen)
        self._typed = TypingPause(self.bar.filter, FILTER_QUIET_MS, self.reload)
        for grid in self.grids:
            grid.entry_picked.connect(self.picking.pick)
            grid.block_picked.connect(lambda words, g=grid: self.picking.pick_block(words, g))
            grid.day_pointed.connect(lambda day: setattr(self, "pointed", day))
            grid.entry_activated.connect(self._on_entry_activated)
            grid.reschedule_requested.connect(self.reschedule)
            grid.day_list_requested.connect(self.open_day_list)
            grid.day_requested.connect(self._on_day_requested)
            grid.period_requested.connect(lambda d: self.set_mode(self.period.mode, d))
        self.week.header.day_list_requested.connect(self.open_day_list)
        self.week.header.day_requested.connect(self._on_day_requested)
        self._show_title()

    # -- navigation ------------------------------------------------------------------------

    def show_period(self, period: Period) -> None:
        if not self.picked_line.isHidden() and period != self.period:
            self.picking.pick(None)
        self._scroll_pending = period != self.period or self._scroll_pending
        self.period = period
        self.stack.setCurrentIndex(0 if period.mode == "month" else 1)
        appearance.keep(self.service.store.home, "calendar/mode", period.mode)
        self._show_title()
        self.reload()

    def set_mode(self, mode: str, day: date | None = None) -> None:
        self.show_period(period_for(mode, day or self._focus_day()))

    pointed: date | None = None  # the day of the entry picked or the list opened last

    def _focus_day(self) -> date:
        return focus_day(self.period, self.pointed, self.now().date())

    def _on_bar_mode_chosen(self, index: int) -> None:
        self.set_mode(MODES[index])

    def _on_today_clicked(self) -> None:
        self.pointed = None  # a day pointed at before is not where Today leads
        self.set_mode(self.period.mode, self.now().date())

    def _on_day_requested(self, day: date) -> None:
        self.set_mode("day", day)

    def _show_title(self) -> None:
        self.bar.show_period(self.period)
        self.stack.setCurrentIndex(0 if self.period.mode == "month" else 1)
        self.setFocusProxy(self.month if self.period.mode == "month" else self.week)  # Ctrl+2
        self._say()

    def _say(self, *_picked: object) -> None:
        """The grids in words for a screen reader: the period, its counts, the selection."""
        picked = "" if self.picked_line.isHidden() else self.picked_line.text()
        words = grid_words(self.bar.title.text(), self.status.text(), picked)
        for grid in self.grids:
            grid.setAccessibleDescription(words)

    # -- loading ---------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a read is in flight or wanted (a change's re-read is due soon)."""
        return (self._reading > 0 or self._simulating or self._wanted
                or self._soon.isActive() or self._typed.pending)

    def reload(self) -> None:
        """Read the period shown again. A new period shows its past at once (a few grouped
        queries), then what will run (the simulation, which can take seconds with thousands
        of tasks); a refresh of the period shown reads both in one go, so nothing flickers.
        At most one simulation runs at a time: navigating meanwhile asks for one more, for
        the period shown when it ends, never a pile of them."""
        self._stale = False
        self._generation += 1
        generation = self._generation
        if self.data is None or self.data.period != self.period:
            self.status.setText("Reading…")
            self._reading += 1
            self.background.run(self._work(False), lambda r: self._on_past_read(generation, r),
                                self._on_read_failed, owner=self)
        else:
            self._simulate()

    def _work(self, predict: bool) -> Callable[[], tuple[CalendarData, set[int] | None]]:
        service, period = self.service, self.period
        text = self.bar.filter.text().strip()
        now = self.now()

        def work() -> tuple[CalendarData, set[int] | None]:
            ids = task_ids_matching(service, text)
            return read_period(service, period, now, ids, predict=predict), ids

        return work

    def _simulate(self) -> None:
        if self._simulating:
            self._wanted = self._wanted or self._sim_generation != self._generation
            return
        self._simulating = True
        self._wanted = False
        generation = self._sim_generation = self._generation
        self.background.run(self._work(True), lambda r: self._on_full_read(generation, r),
                            self._on_read_failed, owner=self)

    def _on_past_read(self, generation: int,
                      result: tuple[CalendarData, set[int] | None]) -> None:
        self._reading -= 1
        if generation != self._generation:
            return
        self._show(result)
        if result[0].complete:  # a period wholly past: nothing to predict
            self.picking.follow(result[0])
            self.loads += 1
            self.loaded = True
        else:
            self._simulate()

    def _on_full_read(self, generation: int,
                      result: tuple[CalendarData, set[int] | None]) -> None:
        self._simulating = False
        if generation == self._generation or result[0].period == self.period:
            self._show(result)
            self.picking.follow(result[0])
            self.loads += 1
            self.loaded = True
            if self.day_list is not None and alive(self.day_list):
                self.day_list.read()  # a change, a minute on: its list too
        if self._wanted or result[0].period != self.period:
            self._simulate()

    def _show(self, result: tuple[CalendarData, set[int] | None]) -> None:
        data, self._task_ids = result
        if data.period != self.period:
            return
        self.data = data
        self.month.set_data(data if data.period.mode == "month" else None)
        self.week.set_data(data if data.period.mode != "month" else None)
        if data.period.mode != "month" and self._scroll_pending:
            self._scroll_to_work()
        self._show_status(data)
        if data.prediction_error:
            self.banner.show_error("Cannot predict what will run (the simulation failed: "
                                   f"{data.prediction_error}); past runs are shown.")
        elif self.banner.text().startswith("Cannot predict"):
            self.banner.clear_error()

    _scroll_pending = True

    def _scroll_to_work(self) -> None:
        """Open the time grid where there is something to see (`TimeView.scroll_to_work`);
        a first, past-only read keeps the scroll pending until the predictions land."""
        data = self.data
        self._scroll_pending = data is not None and not data.complete
        self.week.scroll_to_work(data, self.period.dates, self.now())

    def _on_read_failed(self, error: BaseException) -> None:
        self._reading = 0
        self._simulating = self._wanted = False
        self.status.setText(f"Cannot read the calendar: {describe_error(error)}")
        self.background.report("Cannot read the calendar", error)

    def _show_status(self, data: CalendarData) -> None:
        self.status.setText(status_text(data, self._task_ids))
        self.status.setToolTip(f"Read in {data.seconds * 1000:.0f} ms")
        self._say()

    def connect_bridge(self, session: Session) -> None:
        """Follow the engine and the store: any change to tasks or runs reads again soon."""
        bridge = session.bridge
        bridge.service_changed.connect(self.picking.on_service_change)
        for signal in (bridge.service_changed, bridge.tasks_changed, bridge.runs_changed,
                       session.outside_change):
            signal.connect(self.on_changed)

    def on_changed(self, *_args: object) -> None:
        """Tasks or runs changed: read again soon if shown, else when shown."""
        if not self.isVisible():
            self._stale = True
        elif not self._soon.isActive():
            cost = self.data.seconds if self.data is not None else 0.0
            self._soon.start(min(30_000, max(700, int(cost * 5000))))

    def _on_clock_timeout(self) -> None:
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._clock.start()
        if self._stale:
            self.reload()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._clock.stop()
        self._soon.stop()
        if self._typed.cancel():  # the filter typed is read when shown again
            self._stale = True

    # -- acting on entries -----------------------------------------------------------------

    @property
    def picked(self) -> Entry | None:
        """The entry selected (clicked, reached with the arrows), if any."""
        return self.picking.entry

    def picked_tasks(self) -> list[tuple[int, Task | None]]:
        """The task of the entry selected, for the task actions."""
        return self.picking.tasks()

    def _on_picking_changed(self) -> None:
        if self.picked is not None:
            self.pointed = self.picked.start.astimezone().date()
        self._say()
        self.selection_changed.emit()

    def _on_entry_activated(self, entry: Entry) -> None:
        self.picking.pick(entry)
        if entry.run_id is not None:
            self.open_run_requested.emit(entry.run_id)
        else:
            self.open_task_requested.emit(entry.task_id)

    def reschedule(self, entry: Entry, when: datetime) -> None:
        """Move a one-shot task to `when` through the service."""
        self.banner.clear_error()
        if when <= self.now():
            self.banner.show_error(f"“{entry.task_name}” cannot be moved into the past "
                                   f"({display.full_time(when)}).")
            return
        service = self.service
        schedule = {"kind": "date", "at": when.isoformat()}

        def done(_task: object) -> None:
            self.message.emit(f"“{entry.task_name}” rescheduled to {display.full_time(when)}.")
            self.reload()

        def failed(error: BaseException) -> None:
            self.banner.show_error(f"“{entry.task_name}” was not rescheduled: "
                                   f"{describe_error(error)}")

        self.background.run(
            lambda: service.update_task(entry.task_id, {"schedule": schedule}), done, failed,
            owner=self)

    def open_day_list(self, day: date) -> DayListDialog:
        self.pointed = day
        if self.day_list is not None and alive(self.day_list):
            self.day_list.close()
        dialog = DayListDialog(self.service, self.background, day, self._task_ids, self,
                               self.now())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.entry_activated.connect(self._on_list_entry_activated)
        dialog.entry_picked.connect(self.picking.pick)
        dialog.table.addActions(self.month.actions())  # Del, as on the grids
        dialog.show()
        self.day_list = dialog
        return dialog

    def _on_list_entry_activated(self, entry: Entry) -> None:
        if self.day_list is not None and alive(self.day_list):
            self.day_list.close()
        self.day_list = None
        self._on_entry_activated(entry)
