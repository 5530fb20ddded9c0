"""Settings kept with QSettings, and the light/dark appearance.

By default the window follows the system palette (and whatever the desktop says when it
switches between light and dark). A user may pin Light or Dark instead; those use the
Fusion style with a complete palette, so every role (text, base, highlight, links,
placeholder text) is set and nothing is dark on dark. Fusion, pinned or the system's, is one
whose check boxes and radio buttons have an edge you can see on a dark palette
(`EdgedFusion`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.gui.qt import (
    QApplication,
    QColor,
    QPainter,
    QPalette,
    QPen,
    QProxyStyle,
    QRectF,
    QSettings,
    QStyle,
    QStyleOption,
    Qt,
    QWidget,
    is_dark,
)
from app.store.home import is_default_home

ORGANISATION = "Tickwork"
APPLICATION = "Tickwork"
SCHEMES = ("system", "light", "dark")
HOME = "tickworkHome"  # the main window's property: the home it shows (`home_of`)
ANY_HOME = "last-in-any-home"  # a group of values kept last in whichever home (`kept`)


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def layout(home: Path) -> QSettings:
    """Where the window's layout over `home` is kept (its size, the view shown, the tables'
    columns and sorting, splitters, the calendar's mode, the folders last chosen from):
    `--home A` and `--home B` overwrote each other's, so another home's is in a group of its
    own; the default home's is at the top, where every home's was, so what was saved before
    stays. (The appearance is the person's, for their eyes in every home: `settings`.)
    """
    store = settings()
    if not is_default_home(home):
        digest = hashlib.sha256(str(home.expanduser().resolve()).encode()).hexdigest()
        store.beginGroup(f"homes/{digest[:16]}")
    return store


def home_of(widget: QWidget | None) -> Path | None:
    """The home of the window `widget` is in (a dialog's: its owner's), None in none."""
    while widget is not None:
        home = widget.property(HOME)
        if home:
            return Path(str(home))
        widget = widget.parentWidget()
    return None


def kept(home: Path | None, key: str, default: str = "") -> str:
    """A value kept for `home` (`layout`). Until it has its own: the one last kept in any
    home (tasks exported from one home's window are imported in another's from where they
    went), else the one kept for every home before they had their own (at the top: nothing
    is lost on the upgrade), else `default`."""
    own = layout(home).value(key) if home is not None else None
    person = settings()
    for value in (own, person.value(f"{ANY_HOME}/{key}"), person.value(key)):
        if value is not None and value != "":
            return str(value)
    return default


def keep(home: Path | None, key: str, value: str) -> None:
    """Keep `value` for `home` (at the top, for a window of no home), and as the one last
    kept in any home."""
    (layout(home) if home is not None else settings()).setValue(key, value)
    settings().setValue(f"{ANY_HOME}/{key}", value)


def dark_palette() -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    colours = {
        roles.Window: "#202124", roles.WindowText: "#e8eaed", roles.Base: "#292a2e",
        roles.AlternateBase: "#303136", roles.ToolTipBase: "#303134",
        roles.ToolTipText: "#e8eaed", roles.PlaceholderText: "#9aa0a6", roles.Text: "#e8eaed",
        roles.Button: "#2d2e31", roles.ButtonText: "#e8eaed", roles.BrightText: "#ffffff",
        roles.Light: "#3c4043", roles.Midlight: "#35363a", roles.Mid: "#2a2b2e",
        roles.Dark: "#121314", roles.Shadow: "#000000", roles.Highlight: "#3b6fd4",
        roles.HighlightedText: "#ffffff", roles.Link: "#8ab4f8", roles.LinkVisited: "#c58af9",
        roles.Accent: "#3b6fd4",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(disabled, role, QColor("#7d8185"))
    p.setColor(disabled, roles.Base, QColor("#25262a"))
    p.setColor(disabled, roles.Button, QColor("#26272a"))
    p.setColor(disabled, roles.Highlight, QColor("#45484d"))
    return p


def light_palette() -> QPalette:
    """Fusion's, with the explanations' grey (the placeholder text's) one that reads: its
    own, black at half strength, is about 3.9:1 on the window, below body text's 4.5."""
    style = QApplication.style()
    p = style.standardPalette() if isinstance(style, QStyle) else QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.PlaceholderText, QColor("#5f6368"))
    return p


class EdgedFusion(QProxyStyle):
    """Fusion, with an edge you can see around check boxes and radio buttons on a dark
    palette: Fusion draws it a shade darker than the window (#191a1c on #202124), so an
    unchecked box all but vanished (Settings' options, a run-through); here it is the
    placeholder text's grey (about 6:1 on the window). On a light palette, Fusion's own."""

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,
                      painter: QPainter, widget: QWidget | None = None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        box = element == QStyle.PrimitiveElement.PE_IndicatorCheckBox
        if not (box or element == QStyle.PrimitiveElement.PE_IndicatorRadioButton) \
                or not is_dark(option.palette):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(option.palette.color(
            QPalette.ColorRole.PlaceholderText), 1))
        edge = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        if box:
            painter.drawRect(edge)
        else:
            painter.drawEllipse(edge.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.restore()


_system_style: str | None = None
_system_palette: QPalette | None = None


def apply(app: QApplication, scheme: str) -> None:
    """Use the system look, or pin light or dark."""
    global _system_style, _system_palette
    if _system_style is None:
        _system_style = app.style().name()
        _system_palette = QPalette(app.palette())
    if scheme == "system":
        # where the desktop names no Qt style of its own (GNOME, a bare X session) Qt draws
        # with Fusion, under the desktop's palette, dark too: the same edges as pinned
        app.setStyle(EdgedFusion() if _system_style.lower() == "fusion" else _system_style)
        app.styleHints().unsetColorScheme()
        if _system_palette is not None:
            app.setPalette(_system_palette)
        return
    app.setStyle(EdgedFusion())  # (the application owns it, and deletes it for the next)
    if scheme == "dark":
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        app.setPalette(dark_palette())
    else:
        app.styleHints().setColorScheme(Qt.ColorScheme.Light)
        app.setPalette(light_palette())
