"""The "Quit Tickwork?" question: its words, and a box that keeps them true while it is open
without moving its buttons.

It follows the engine while it is open: runs that start or end change how many it says are
still going (when the runs it said were going have all ended, it says so: quitting then
interrupts nothing), and the next task due is said with how long until it, counted again
each second and read again once it is due. The box keeps room for its longest wording as things
stand when it opens (the runs going then, or ended; the next due time at its longest), and
grows upwards when a run starts: a change of words never moves its buttons under the
person's pointer, and no room is kept for words it may never say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import cast

from app.core.next_due import next_due as soonest
from app.gui.qt import (
    QDialog,
    QEvent,
    QGridLayout,
    QLabel,
    QMessageBox,
    QObject,
    QShowEvent,
    QSize,
    Qt,
    QTimer,
    QWidget,
    alive,
)
from app.gui.session import Session
from app.gui.widgets import display
from app.service import Service
from app.store import task_queries
from app.store.lock import EngineLease

BACKGROUND, STOP, CANCEL = "background", "stop", "cancel"
BUTTONS = {BACKGROUND: "&Keep scheduling in the background",
           STOP: "&Quit and stop scheduling", CANCEL: "Cancel"}


@dataclass(frozen=True)
class Scheduled:
    """What would stop if scheduling stopped: the enabled tasks with a next fire, and the
    soonest of them; and whether another engine stands by to take over (None: cannot
    tell, a shared store)."""

    count: int
    next_at: datetime | None = None
    next_task: str = ""
    taken_over: bool | None = False
    retry: bool = False  # the next is a retry waiting out its delay (app/core/next_due.py)


def read_scheduled(service: Service, lock: EngineLease | None = None) -> Scheduled:
    """What would stop, in one read transaction, and whether an engine stands by to take
    over from the one holding `lock` (on a pool thread)."""
    with service.store.read():
        count, name, at = task_queries.scheduled()
        retry = task_queries.first_retry()
    at, is_retry = soonest(at, retry[1] if retry is not None else None)
    if is_retry and retry is not None:  # (it said the schedule's fire hours on)
        name = retry[0]
    return Scheduled(count, at, name or "", lock.standing_by() if lock is not None else False,
                     is_retry)


def next_due(scheduled: Scheduled, now: datetime | None = None) -> str:
    """"the next is due today 15:46:14 (in 47 s): “Backup”", "… is due now: …" once that
    moment has come and the next one is not read yet."""
    at = scheduled.next_at
    if at is None:
        return ""
    now = now or datetime.now(UTC)
    soon = "now" if at <= now else f"{display.when(at, now)} ({display.relative(at, now)})"
    what = f"a retry of “{scheduled.next_task}”" if scheduled.retry else \
        f"“{scheduled.next_task}”"
    return f"the next is due {soon}: {what}"


def question_text(running: int, scheduled: Scheduled, retried: int | None = None,
                  ended: int = 0, now: datetime | None = None) -> tuple[str, str]:
    """The question and its details, in words: `retried` of the `running` runs have retries
    left (all when None); `ended`: the question said that many runs were going and none
    is now."""
    retried = running if retried is None else retried
    standby = bool(scheduled.taken_over)
    lines = []
    if running and not standby:  # first: what each choice does to them
        lines.append(runs_going(running, retried, standby))
    elif ended and not standby:  # where it said they were going
        lines.append(("The run that was" if ended == 1 else "The runs that were")
                     + f" still going {'has' if ended == 1 else 'have'} ended: quitting now "
                     "interrupts nothing.")
    if standby:
        lines.append("Your scheduled tasks go on running on time.")
    elif scheduled.count or scheduled.retry:
        due = next_due(scheduled, now)
        what = (display.plural(scheduled.count, "scheduled task") if scheduled.count
                else "a waiting retry")  # (a retry alone: a task run by hand, or paused)
        lines.append("If you quit and stop scheduling"
                     + (" and no other engine of this store takes over" if
                        scheduled.taken_over is None else "") + ", "
                     f"{what} will not run until you open Tickwork again"
                     + (f"; {due}." if due else "."))
    if running and standby:
        lines.append(runs_going(running, retried, standby))
    elif ended and standby:
        lines.append(("The run that was" if ended == 1 else "The runs that were")
                     + f" still going in this window {'has' if ended == 1 else 'have'} "
                     "ended: quitting now interrupts nothing.")
    if standby:
        return TAKEN_OVER, "\n\n".join(lines)
    lines.append("Keep scheduling in the background to let a background engine run your "
                 "tasks on time while the window is closed.")
    return ("Quitting Tickwork stops scheduling"
            + (" here." if scheduled.taken_over is None else "."), "\n\n".join(lines))


TAKEN_OVER = ("Another Tickwork window or engine on this computer takes over scheduling when "
              "you quit.")


def runs_going(running: int, retried: int, standby: bool) -> str:
    """What becomes of the runs still going: `retried` of them have retries left, which
    the engine standing by (`standby`) runs at once, else the next engine to start."""
    one = running == 1
    if retried == running:
        then = f"{'it is' if one else 'they are'} interrupted" + (
            f", and the engine that takes over retries {'it' if one else 'them'} at once"
            if standby else " and retried when an engine starts again")
    elif retried == 0:
        then = ("it is interrupted and not run again: it has no retries left" if one else
                "they are interrupted and not run again: they have no retries left")
    elif standby:
        then = (f"they are interrupted; the engine that takes over retries {retried} of "
                f"them at once, {the_rest(running - retried)}")
    else:
        then = (f"they are interrupted; {retried} of them {'is' if retried == 1 else 'are'}"
                f" retried when an engine starts again, {the_rest(running - retried)}")
    going = f"{display.plural(running, 'run')} {'is' if one else 'are'} still going"
    stop = f"the engine gives {'it' if one else 'them'} a few seconds to finish, then {then}."
    if standby:
        return f"{going} in this window: {stop}"
    return (f"{going}. If you keep scheduling in the background, {'it goes' if one else 'they go'}"
            f" on to {'its' if one else 'their'} end in this process (the window closes; a "
            "background engine takes over once nothing runs). If you quit and stop "
            f"scheduling, {stop}")


def the_rest(count: int, verb: str = "have") -> str:
    """"the other has no retries left" (it said "the others" of one)."""
    if count == 1:
        return f"the other {'has' if verb == 'have' else verb} no retries left"
    return f"the others {verb} no retries left"


class Question(QMessageBox):
    """A message box whose size is set once, as it is shown, for the longest of the words
    it comes to say as things stand (`longest`), and as wide as those it may come to say
    (`widest`), so changing them never moves its buttons. Words that need more room than
    that after all grow it upwards: the buttons stay where they are."""

    def __init__(self, text: str, details: str, longest: Callable[[], list[str]],
                 parent: QWidget, widest: Callable[[], list[str]] = list) -> None:
        super().__init__(QMessageBox.Icon.Question, "Quit Tickwork?", text,
                         QMessageBox.StandardButton.NoButton, parent)
        self.setInformativeText(details)
        self.longest = longest
        self.widest = widest  # words whose width it keeps room for, not their height
        self.room: tuple[int, int] | None = None  # (width, height) kept while it is open

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)  # sizes the box for its words, before it appears
        details = self.informativeText()
        width, height = self.width(), self.height()
        for words in self.longest():
            super().setInformativeText(words)
            width, height = max(width, self.width()), max(height, self.height())
        for words in self.widest():
            super().setInformativeText(words)
            width = max(width, self.width())
        super().setInformativeText(details)
        self.room = (width, height)
        self._keep_room()
        self._room_below()

    def _room_below(self) -> None:
        """The room kept for longer words goes below the details: Qt's grid split it between
        the question's row and theirs, each label centring its text in its half (a blank
        gap between the question and its details, under Xvfb and openbox)."""
        details = self.findChild(QLabel, "qt_msgbox_informativelabel")
        grid = self.layout()
        if details is None or not isinstance(grid, QGridLayout):
            return
        details.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        row, *_span = cast(tuple[int, int, int, int],
                           grid.getItemPosition(grid.indexOf(details)))
        grid.setRowStretch(row, 1)
        grid.activate()  # (now, before it is first painted)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest and self.room is not None:
            # QMessageBox would fit the box to its words, then the room kept would be put
            # back: two resizes, each sending the window manager the position Qt believed
            # then. Just after the box appeared that was at times the screen's corner, not
            # yet where the box was (openbox under Xvfb: title bar above the screen). New
            # words are fitted by `say`.
            return QDialog.event(self, event)
        return super().event(event)

    def say(self, details: str) -> None:
        """New words in the room kept for them: put in its label as they are, when they fit
        there (QMessageBox fits the box to new words — shrunk, then the room put back: two
        resizes, each a stale position for the window manager); more than fit grow it."""
        if details == self.informativeText():
            return
        label = self.findChild(QLabel, "qt_msgbox_informativelabel")
        if label is not None and self.room is not None:
            before = label.text()
            label.setText(details)
            hint = label.sizeHint()
            if hint.width() <= label.width() and (label.heightForWidth(label.width())
                                                  if label.wordWrap() else hint.height()
                                                  ) <= label.height():
                return
            label.setText(before)
        super().setInformativeText(details)  # Qt fits the box to them again: undone
        self._keep_room()

    def _keep_room(self) -> None:
        if self.room is None or self.size() == QSize(*self.room):
            return
        kept = self.room[1]  # Qt resized it keeping its top: its bottom was top + kept
        wider = self.width() > self.room[0]
        width, height = max(self.room[0], self.width()), max(kept, self.height())
        self.room = (width, height)
        self.setFixedSize(width, height)
        if height > kept:  # grown: upwards, so the buttons stay where they are
            self._move_on_screen(self.x(), self.y() - (height - kept), sideways=wider)

    def _move_on_screen(self, x: int, y: int, sideways: bool = True) -> None:
        """To (x, y), or as near as keeps all of the box on its screen's free area, its
        title bar first: grown upwards near the top, its title bar went above the screen.
        Not `sideways` (grown taller only): its side stays where it was, even a little off
        the screen (its buttons moved 2 px as it grew, the frame being past the edge)."""
        area = self.screen().availableGeometry()
        if sideways:
            x = max(area.left(), min(x, area.right() + 1 - self.frameGeometry().width()))
        y = max(area.top(), min(y, area.bottom() + 1 - self.frameGeometry().height()))
        self.move(x, y)  # a window's position is its frame's


class Follow(QObject):
    """Keeps the open question's words true: runs still going, counted again from the
    engine whenever runs change (the bridge's `runs_changed`) and each second; the next task
    due, said with how long until it, and read again once it is due. Gone with its box."""

    def __init__(self, box: Question, session: Session, scheduled: Scheduled,
                 running: int, now: Callable[[], datetime] | None = None) -> None:
        super().__init__(box)
        self.box = box
        self.session = session
        self.scheduled = scheduled
        self.said = running  # the runs it said were going when it opened, and since
        self.now = now or (lambda: datetime.now(UTC))
        self.reading = False
        session.bridge.runs_changed.connect(self._on_bridge_runs_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()

    def _on_bridge_runs_changed(self, _changes: list[object]) -> None:
        self.show()

    def _on_timer_timeout(self) -> None:
        at = self.scheduled.next_at
        if at is not None and at <= self.now() and not self.reading:
            self._read_again()
        self.show()

    def _read_again(self) -> None:
        self.reading = True
        service = self.session.service
        taken_over = self.scheduled.taken_over

        def done(scheduled: Scheduled) -> None:
            self.reading = False
            self.scheduled = replace(scheduled, taken_over=taken_over)  # as it asked
            self.show()

        def failed(error: BaseException) -> None:
            self.reading = False
            self.session.background.report("Cannot read the schedule", error)

        self.session.background.run(lambda: read_scheduled(service), done, failed, owner=self)

    def show(self) -> None:
        running = self.session.running_count() or 0
        retried = self.session.running_retried() or 0 if running else 0
        if self.said:  # once it said runs were going, it says when they have ended
            self.said = max(self.said, running)
        _text, details = question_text(running, self.scheduled, retried,
                                       ended=0 if running else self.said, now=self.now())
        self.box.say(details)


def longest_words(running: int, scheduled: Scheduled, retried: int,
                  now: Callable[[], datetime]) -> list[str]:
    """The wordings the question comes to as things stand, at their longest: the runs it
    opened with going, or ended; the next due time a day away. Not those of runs that start
    while it is open: room kept for a dozen runs left a paragraph's blank above the buttons
    of a question that said none (a run that starts grows it upwards: `Question`)."""
    later = now()
    if scheduled.next_at is not None:  # "2026-03-01 09:30:15 (in 1 d 23 h)"
        later = scheduled.next_at - timedelta(days=1, hours=23, minutes=59)
    return [question_text(going, scheduled, retries, ended, now=later)[1]
            for going, retries, ended in ((running, retried, 0), (0, 0, running))]


def widest_words(running: int, scheduled: Scheduled, now: Callable[[], datetime]) -> list[str]:
    """The wordings of runs that may start while it is open (a dozen, with and without
    retries), whose width the question keeps from the start, though not their height: grown
    for them, it grows upwards and not sideways, its buttons where they were."""
    later = now() if scheduled.next_at is None else \
        scheduled.next_at - timedelta(days=1, hours=23, minutes=59)
    return [question_text(going, scheduled, retries, ended, now=later)[1]
            for going, retries, ended in ((max(running, 12), 11, 0), (12, 12, 0), (12, 0, 0),
                                          (0, 0, max(running, 2)))]


def ask(parent: QWidget, running: int, scheduled: Scheduled, retried: int,
        session: Session | None = None, now: Callable[[], datetime] | None = None) -> str:
    """Ask what quitting should do: BACKGROUND, STOP or CANCEL. With `session`, its words
    follow its engine while the question is open."""
    clock = now or (lambda: datetime.now(UTC))
    text, details = question_text(running, scheduled, retried, now=clock())
    box = Question(text, details, lambda: longest_words(running, scheduled, retried, clock),
                   parent, lambda: widest_words(running, scheduled, clock))
    if session is not None:
        Follow(box, session, scheduled, running, clock)
    if scheduled.taken_over:  # nothing to keep: the standby schedules
        keep = None
        stop = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
    else:
        keep = box.addButton(BUTTONS[BACKGROUND], QMessageBox.ButtonRole.AcceptRole)
        stop = box.addButton(BUTTONS[STOP], QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(keep or cancel)
    box.setEscapeButton(cancel)
    box.exec()
    if not alive(box):  # the window went away meanwhile
        return CANCEL
    clicked = box.clickedButton()
    box.deleteLater()  # and what follows the engine for it
    return (BACKGROUND if keep is not None and clicked is keep else STOP if clicked is stop
            else CANCEL)
