"""GUI fixtures: a real store in a temp home, the real service and engine, the real window.

Qt warnings fail GUI tests (qutebrowser's rule), except the offscreen platform's notice
that it cannot size, raise or grab for windows. QSettings write to the test's temp dir.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
SCREENSHOTS.mkdir(exist_ok=True)  # every GUI test may save one, in any order


# first: pytest-xdist reads the groups in its own hook, which a conftest given on the command
# line (`pytest tests/gui`) would otherwise follow
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.fspath).replace("\\", "/")
        if "tests/gui/" in path:
            # `make test` spreads tests over processes (pytest-xdist, --dist loadgroup); a GUI
            # file's tests share one process's QApplication, so they stay together, in order
            item.add_marker(pytest.mark.xdist_group(path.rsplit("/", 1)[-1]))
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(
                "propagateSizeHints", "This plugin does not support raise",
                "This plugin does not support grabbing the keyboard"))  # completer popups


@pytest.fixture(autouse=True)
def _no_modal_quit_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quitting while tasks are scheduled asks "Quit Tickwork?" in a modal box, which
    nobody answers offscreen: a test that quits without meaning to would wait forever.
    Tests answer "Quit and stop scheduling", unless they use `real_quit_question` and
    click the box's buttons themselves."""
    from app.gui.main_window import MainWindow
    from app.gui.window import quitting

    monkeypatch.setattr(MainWindow, "ask_quit",
                        lambda self, running, scheduled, retried: quitting.STOP)


@pytest.fixture
def real_quit_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real "Quit Tickwork?" box: the test must answer it (`answer_question`)."""
    from app.gui.main_window import MainWindow
    from app.gui.window import quitting

    monkeypatch.setattr(MainWindow, "ask_quit",
                        lambda self, running, scheduled, retried: quitting.ask(
                            self, running, scheduled, retried, self.session))


@pytest.fixture(autouse=True)
def _qsettings(tmp_path: Path, qapp: Any) -> None:
    from app.gui.qt import QSettings
    from app.gui.settings import appearance
    from app.gui.widgets.focus_back import FocusBack

    FocusBack.install(qapp)  # as app/gui/bootstrap.py does
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "qsettings"))
    qapp.setApplicationName(appearance.APPLICATION)
    qapp.setOrganizationName(appearance.ORGANISATION)
    appearance.apply(qapp, "system")


@dataclass
class Gui:
    """A running window over a temp store, and handles on its parts."""

    store: Any
    service: Any
    engine: Any
    session: Any
    window: Any
    qtbot: Any

    def wait_until(self, check: Callable[[], Any], timeout: float = 10.0) -> None:
        self.qtbot.waitUntil(lambda: bool(check()), timeout=int(timeout * 1000))

    def settle(self) -> None:
        """Let background reads land (the pool idle, queued results delivered)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            self.session.background.wait(5000)
            self.qtbot.wait(20)
            if not self.session.background.busy:
                return

    def quiet(self, timeout: float = 10.0) -> None:
        """Settle, and let every throttled refresh that is due land (a view's re-read, the
        status bar's counts, the bridge's next batch): the window has caught up with what
        it was told, as a person sees it after a pause."""
        from app.gui.widgets.paging import Throttle

        deadline = time.monotonic() + timeout
        while True:
            self.settle()
            due = [t for t in self.window.findChildren(Throttle) if t.pending]
            if not due and not self.session.bridge.pending:
                return
            left = deadline - time.monotonic()
            assert left > 0, "the window never went quiet"
            self.qtbot.waitUntil(lambda d=due: not self.session.bridge.pending
                                 and not any(t.pending for t in d), timeout=int(left * 1000))


def _open_gui(home: Path, qtbot: Any, engine: bool = True, url: str | None = None) -> Gui:
    from app.engine.engine import Engine
    from app.gui.main_window import MainWindow
    from app.gui.session import Session
    from app.service import Service
    from app.store.database import Store

    store = Store.open(home, actor="gui", url=url)  # url: a shared PostgreSQL store
    service = Service(store, "gui")
    eng = Engine(store, metrics=False, workers=4) if engine else None
    session = Session(store, service, eng)
    window = MainWindow(session)  # closed by close_gui, as quitting: never asks
    window.show()
    session.start()
    gui = Gui(store, service, eng, session, window, qtbot)
    try:
        if engine:
            gui.wait_until(lambda: session.mode in ("running", "standby"), 30)
        gui.wait_until(lambda: window.tasks_model.ever_loaded)
    except BaseException:  # never leave its engine running into the process's next tests
        close_gui(gui)
        raise
    return gui


def close_gui(gui: Gui) -> None:
    from app.gui.qt import QApplication, QEvent, alive

    if alive(gui.window):
        gui.window.quitting = True
        gui.window.close()
        gui.window.deleteLater()  # gone now, so its shortcuts never shadow the next window's
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        # a wrapper a test still held in a cycle (a frame and a caught exception), or frozen
        # with one (app/core/sweeps.py), outlived the item it wrapped: the next window's
        # QAction, made at the same address, came back as that QListWidgetItem (seen once
        # in a full run: "'QListWidgetItem' object has no attribute 'setShortcut'")
        gc.unfreeze()
        gc.collect()
    gui.session.stop(grace=2.0)
    gui.store.close()


@pytest.fixture
def gui_factory(home: Path, qtbot: Any) -> Iterator[Callable[..., Gui]]:
    opened: list[Gui] = []

    def make(engine: bool = True) -> Gui:
        gui = _open_gui(home, qtbot, engine)
        opened.append(gui)
        return gui

    yield make
    for gui in opened:
        close_gui(gui)


@pytest.fixture
def gui(gui_factory: Callable[..., Gui]) -> Gui:
    return gui_factory()


def command_task(name: str, argv: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "timezone": "UTC",
                            "action": {"kind": "command", "argv": argv or ["true"]}}
    data.update(extra)
    return data


def said(window: Any) -> str:
    """The whole of the status bar's message: cut to its room with "…", it is whole in the
    bar's tooltip (app/gui/window/status_bar.py)."""
    return str(window.status.toolTip() or window.status.currentMessage())


def closed(widget: Any) -> bool:
    """A dialog that was closed (and perhaps deleted on close)."""
    from app.gui.qt import alive

    return not alive(widget) or not widget.isVisible()


@pytest.fixture
def restore_palette(qapp: Any) -> Iterator[None]:
    """The system's appearance back after a test that chose Light or Dark."""
    from app.gui.settings import appearance
    from app.gui.widgets import display

    yield
    appearance.apply(qapp, "system")
    display.clear_icon_cache()


_ANSWERS: list[Answer] = []


@pytest.fixture(autouse=True)
def _answers_end_with_their_test() -> Iterator[None]:
    yield
    for answer in _ANSWERS:
        answer.expired = True
    _ANSWERS.clear()


@dataclass
class Answer:
    """What a modal question said, once `answer_question` has clicked one of its buttons."""

    title: str = ""
    text: str = ""
    expired: bool = False  # its test ended: it answers nothing any more
    details: str = ""
    whole: str = ""  # what "Show Details…" shows
    buttons: list[str] | None = None
    done: bool = False


def answer_question(qtbot: Any, button: str, screenshot: str | None = None) -> Answer:
    """Click `button` (its text, without '&') on the next modal box, as a person would.

    Call it before the click that opens the box: a box shown with `exec()` blocks the
    test's code, so the answer comes from a timer that waits for a box with that button to
    appear (so answers to two boxes in a row can be set up together). A box that never gets
    its answer is rejected after 20 s, so no test is ever left blocked on it. With
    `screenshot`, the box is saved to tests/screenshots/<screenshot>.png before the click.
    """
    from app.gui.qt import Qt

    def click(box: Any) -> None:
        if screenshot:
            SCREENSHOTS.mkdir(exist_ok=True)
            box.grab().save(str(SCREENSHOTS / f"{screenshot}.png"))
        texts = {b.text().replace("&", ""): b for b in box.buttons()}
        qtbot.mouseClick(texts[button], Qt.MouseButton.LeftButton)

    return _next_box(lambda box: button in [b.text().replace("&", "") for b in box.buttons()],
                     click)


def press_enter_on(qtbot: Any, title: str) -> Answer:
    """When the next message box shows, press Enter on it, as a person does who reads no
    further; what it said. Another box than the one titled `title` is closed instead (its
    title in the answer), and so is any box still there after 20 s: no test is left blocked
    on one."""
    from app.gui.qt import Qt

    def enter(box: Any) -> None:
        if box.windowTitle() == title:
            qtbot.keyClick(box, Qt.Key.Key_Return)
        else:
            box.reject()

    return _next_box(lambda _box: True, enter)


def _next_box(fits: Callable[[Any], bool], then: Callable[[Any], None]) -> Answer:
    """Wait (on the GUI thread's timers) for a visible modal message box that `fits`, note
    what it says in the answer, then act on it (`then`); one still there after 20 s that
    does not fit is rejected."""
    from app.gui.qt import QApplication, QMessageBox, QTimer

    answer = Answer()
    _ANSWERS.append(answer)
    deadline = time.monotonic() + 20

    def act() -> None:
        if answer.expired:
            return
        box = QApplication.activeModalWidget()
        if not (isinstance(box, QMessageBox) and box.isVisible() and fits(box)):
            if time.monotonic() < deadline:
                QTimer.singleShot(20, act)
            elif isinstance(box, QMessageBox):
                box.reject()
            return
        answer.title, answer.text = box.windowTitle(), box.text()
        answer.buttons = [b.text().replace("&", "") for b in box.buttons()]
        answer.details, answer.whole = box.informativeText(), box.detailedText()
        answer.done = True  # before the act: what it sets off may open the next box
        then(box)

    QTimer.singleShot(0, act)
    return answer


@dataclass
class Shown:
    """The main window `quit_once_shown` saw open, by its title, before it quit it."""

    title: str = ""
    stop: Callable[[], None] = lambda: None


def quit_once_shown() -> Shown:
    """Once the real start-up path (`bootstrap.main`) shows its main window, note its title
    and quit it as File → Quit does; call `stop` after. Never hangs: the application is told
    to quit after 20 s whatever happened."""
    from app.gui.main_window import MainWindow
    from app.gui.qt import QApplication, QTimer

    shown = Shown()
    done = False

    def look() -> None:
        if done:
            return
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, look)
            return
        shown.title = windows[0].windowTitle()
        windows[0].close_for_good()

    failsafe = QTimer()
    failsafe.setSingleShot(True)
    failsafe.timeout.connect(QApplication.quit)
    failsafe.start(20_000)

    def stop() -> None:
        nonlocal done
        done = True
        failsafe.stop()

    shown.stop = stop
    QTimer.singleShot(0, look)
    return shown


def click_row(qtbot: Any, table: Any, row: int, column: int = 0) -> None:
    """Click a table row (its first column unless told), as a person selects it."""
    from app.gui.qt import Qt

    rect = table.visualRect(table.model().index(row, column))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def axis_labels(axis: Any) -> list[str]:
    """The tick labels a plot's axis paints now (pyqtgraph's own draw specs, overlaps and
    labels past its ends dropped)."""
    from app.gui.qt import QPainter, QPixmap

    device = QPixmap(8, 8)
    painter = QPainter(device)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in specs[2]] if specs else []


def export_needing_a_secret(tmp_path: Path) -> Path:
    """An export from another home of a task "nightly" whose DB variable is its secret
    db.pass (the CLI's doors, as that home's user made it)."""
    return export_from_another_home(tmp_path, "nightly.json", [
        (["secret", "set", "db.pass"], "tw-home-a"),
        (["task", "add", "nightly", "--manual", "--command", "env",
          "--secret-env", "DB=db.pass"], None)])


def export_from_another_home(tmp_path: Path, name: str,
                             steps: list[tuple[list[str], str | None]]) -> Path:
    """`tmp_path / name`: what another home's user made with these CLI commands (each with
    its standard input), exported."""
    from tests.support.tickwork import run as tickwork

    export = tmp_path / name
    for args, stdin in (*steps, (["export", str(export)], None)):
        done = tickwork(["--home", str(tmp_path / "other-home"), *args], input=stdin,
                        timeout=60)
        assert done.returncode == 0, done.stderr
    return export


@pytest.fixture
def no_user_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user session bus (as over SSH): Settings neither asks systemd nor waits on it."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)


def open_settings(gui: Gui, by_key: bool = True) -> Any:
    """File → Settings… by its shortcut (Ctrl+,) or its menu entry; the dialog, once it
    shows what is set."""
    from app.gui.qt import Qt

    before = getattr(gui.window, "settings_dialog", None)
    if by_key:
        gui.window.activateWindow()
        gui.qtbot.keyClick(gui.window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    else:
        gui.window.menus.settings.trigger()
    gui.wait_until(lambda: getattr(gui.window, "settings_dialog", None) not in (None, before)
                   and gui.window.settings_dialog.loaded)
    dialog = gui.window.settings_dialog
    assert dialog.isVisible()
    return dialog
