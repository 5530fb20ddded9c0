"""Tickwork's icons, painted so they follow the palette and need no theme.

The application icon is a clock face on a rounded tile (the same drawing as
`resources/icons/tickwork.svg`); the tray adds a badge for its state: running (blue, a
play mark) or failure (red, an exclamation mark). Action icons come from the desktop's icon
theme when it has them, else from the Qt style; the bell is painted (the style has none,
and an "i" where the words say "bell" confuses).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from app.gui.qt import (
    QApplication,
    QColor,
    QFont,
    QIcon,
    QPainter,
    QPen,
    QPixmap,
    QRectF,
    QStyle,
    Qt,
)

TILE = "#2f6fdb"
FACE = "#ffffff"
BADGES = {"running": ("#0b57d0", "▶"), "failure": ("#d93025", "!")}


def _paint(size: int, state: str) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(TILE))
    p.drawRoundedRect(QRectF(0, 0, s, s), s * 0.22, s * 0.22)
    p.setBrush(QColor(FACE))
    face = QRectF(s * 0.16, s * 0.16, s * 0.68, s * 0.68)
    p.drawEllipse(face)
    pen = QPen(QColor(TILE))
    pen.setWidthF(max(1.0, s * 0.08))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    c = s / 2
    p.drawLine(int(c), int(c), int(c), int(s * 0.3))
    p.drawLine(int(c), int(c), int(s * 0.66), int(c))
    badge = BADGES.get(state)
    if badge is not None:
        colour, glyph = badge
        r = QRectF(s * 0.5, s * 0.5, s * 0.5, s * 0.5)
        p.setPen(QPen(QColor("#ffffff"), max(1.0, s * 0.04)))
        p.setBrush(QColor(colour))
        p.drawEllipse(r)
        font = QFont()
        font.setPixelSize(max(6, int(s * 0.34)))
        font.setBold(True)
        p.setFont(font)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, glyph)
    p.end()
    return pixmap


@lru_cache(maxsize=8)
def app_icon(state: str = "idle") -> QIcon:
    """The application icon; `state` idle | running | failure adds the tray badge."""
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64, 128, 256):
        icon.addPixmap(_paint(size, state))
    return icon


THEMED = {
    "new": ("document-new", QStyle.StandardPixmap.SP_FileDialogNewFolder),
    "edit": ("document-edit", QStyle.StandardPixmap.SP_FileDialogDetailedView),
    "run": ("media-playback-start", QStyle.StandardPixmap.SP_MediaPlay),
    "pause": ("media-playback-pause", QStyle.StandardPixmap.SP_MediaPause),
    "stop": ("media-playback-stop", QStyle.StandardPixmap.SP_MediaStop),
    "delete": ("edit-delete", QStyle.StandardPixmap.SP_TrashIcon),
    "duplicate": ("edit-copy", QStyle.StandardPixmap.SP_FileLinkIcon),
    "tasks": ("view-list-details", QStyle.StandardPixmap.SP_FileDialogListView),
    "calendar": ("view-calendar", QStyle.StandardPixmap.SP_FileDialogContentsView),
    "graph": ("distribute-graph", QStyle.StandardPixmap.SP_DirLinkIcon),
    "runs": ("system-run", QStyle.StandardPixmap.SP_MediaSeekForward),
    "metrics": ("utilities-system-monitor", QStyle.StandardPixmap.SP_ComputerIcon),
    "audit": ("security-high", QStyle.StandardPixmap.SP_FileDialogInfoView),
    "bell": ("preferences-desktop-notification", QStyle.StandardPixmap.SP_MessageBoxInformation),
    "cancel": ("process-stop", QStyle.StandardPixmap.SP_BrowserStop),
    "quit": ("application-exit", QStyle.StandardPixmap.SP_DialogCloseButton),
}


GLYPHS = {"run": "▶", "pause": "❚❚", "stop": "■", "runs": "▶▶"}


def _painted_icon(paint: Callable[[QPainter, int], None]) -> QIcon:
    """An icon at 16, 24 and 32 px, drawn by `paint(painter, size)` in the palette's text
    colour (the style's own media icons are black, unreadable in a dark palette)."""
    from app.gui.qt import QPalette

    app = QApplication.instance()
    colour = (app.palette().color(QPalette.ColorRole.ButtonText)
              if isinstance(app, QApplication) else QColor("#202124"))
    icon = QIcon()
    for size in (16, 24, 32):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(colour)
        p.setBrush(colour)
        paint(p, size)
        p.end()
        icon.addPixmap(pixmap)
    return icon


def _glyph_icon(glyph: str) -> QIcon:
    """A text glyph (▶, ❚❚) as an icon."""

    def paint(p: QPainter, size: int) -> None:
        font = QFont()
        font.setPixelSize(int(size * (0.5 if len(glyph) > 1 else 0.75)))
        p.setFont(font)
        p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, glyph)

    return _painted_icon(paint)


def _bell_icon() -> QIcon:
    """A bell, drawn on a 16-unit grid."""
    from app.gui.qt import QPainterPath

    def paint(p: QPainter, size: int) -> None:
        p.scale(size / 16, size / 16)
        p.setPen(Qt.PenStyle.NoPen)
        body = QPainterPath()
        body.moveTo(2.5, 12.0)
        body.cubicTo(4.0, 10.5, 4.0, 9.0, 4.0, 7.0)
        body.cubicTo(4.0, 4.0, 5.8, 2.5, 8.0, 2.5)
        body.cubicTo(10.2, 2.5, 12.0, 4.0, 12.0, 7.0)
        body.cubicTo(12.0, 9.0, 12.0, 10.5, 13.5, 12.0)
        body.closeSubpath()
        p.drawPath(body)
        p.drawEllipse(QRectF(6.5, 12.5, 3.0, 2.5))  # the clapper
        p.drawEllipse(QRectF(7.0, 1.0, 2.0, 2.0))  # the loop on top

    return _painted_icon(paint)


def action_icon(name: str) -> QIcon:
    theme, fallback = THEMED[name]
    if QIcon.hasThemeIcon(theme):
        return QIcon.fromTheme(theme)
    if name == "bell":
        return _bell_icon()
    if name in GLYPHS:
        return _glyph_icon(GLYPHS[name])
    app = QApplication.instance()
    style = app.style() if isinstance(app, QApplication) else None
    return style.standardIcon(fallback) if style is not None else QIcon()
