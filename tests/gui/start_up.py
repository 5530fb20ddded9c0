"""The window opened through the real start-up path (`bootstrap.main`, as `tickwork` with no
command opens it), looked at from the GUI thread's timers while it runs, then quit."""

from __future__ import annotations

from collections.abc import Callable


def through_start_up(argv: list[str], look: Callable[[], bool],
                     failsafe_ms: int = 20_000) -> int:
    """`bootstrap.main(argv)`, with `look` called every 20 ms on the GUI thread until it
    returns True, then the window quit; the exit status. A failsafe quits it after
    `failsafe_ms` whatever happened (stopped after, so it cannot quit a later test)."""
    from app.gui import bootstrap
    from app.gui.qt import QApplication, QTimer

    stopped = False
    quitter = QTimer()  # quit() before the event loop runs is lost: repeat it until it lands
    quitter.setInterval(50)
    quitter.timeout.connect(QApplication.quit)

    def step() -> None:
        if stopped:
            return
        if look():
            quitter.start()
            return
        QTimer.singleShot(20, step)

    QTimer.singleShot(0, step)
    failsafe = QTimer()
    failsafe.setSingleShot(True)
    failsafe.timeout.connect(QApplication.quit)
    failsafe.start(failsafe_ms)
    try:
        return bootstrap.main(argv)
    finally:
        quitter.stop()
        failsafe.stop()
        stopped = True
        app = QApplication.instance()
        assert app is not None
        app.setQuitOnLastWindowClosed(True)
