"""GUI fixtures: a real store in a temp home, the real service and engine, the real window.

Qt warnings fail GUI tests (qutebrowser's rule), except the offscreen platform's notice
that it cannot size, raise or grab for windows. QSettings write to the test's temp dir.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(
                "propagateSizeHints", "This plugin does not support raise",
                "This plugin does not support grabbing the keyboard"))  # completer popups


@pytest.fixture(autouse=True)
def _no_modal_quit_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing a window with runs in flight asks "Quit Tickwork?" in a modal box, which
    nobody answers offscreen: a window closed at teardown while a run is still going
    would wait forever. Tests answer "yes"."""
    from app.gui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "_confirm_quit", lambda self, running: True)


@pytest.fixture(autouse=True)
def _qsettings(tmp_path: Path, qapp: Any) -> None:
    from app.gui import appearance
    from app.gui.qt import QSettings

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


def _open_gui(home: Path, qtbot: Any, engine: bool = True) -> Gui:
    from app.engine.engine import Engine
    from app.gui.main_window import MainWindow
    from app.gui.session import Session
    from app.service import Service
    from app.store.database import Store

    store = Store.open(home, actor="gui")
    service = Service(store, "gui")
    eng = Engine(store, metrics=False, workers=4) if engine else None
    session = Session(store, service, eng)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    session.start()
    gui = Gui(store, service, eng, session, window, qtbot)
    if engine:
        gui.wait_until(lambda: session.mode in ("running", "standby"), 30)
    gui.wait_until(lambda: window.tasks_model.ever_loaded)
    return gui


def _close_gui(gui: Gui) -> None:
    gui.window.quitting = True
    gui.window.hide()
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
        _close_gui(gui)


@pytest.fixture
def gui(gui_factory: Callable[..., Gui]) -> Gui:
    return gui_factory()


def command_task(name: str, argv: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "timezone": "UTC",
                            "action": {"kind": "command", "argv": argv or ["true"]}}
    data.update(extra)
    return data


def closed(widget: Any) -> bool:
    """A dialog that was closed (and perhaps deleted on close)."""
    from app.gui.qt import alive

    return not alive(widget) or not widget.isVisible()
