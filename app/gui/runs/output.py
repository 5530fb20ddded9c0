"""A run's output as the Runs view shows it: stdout as printed; each line of stderr and of
Tickwork's own (progress, what was held back, a traceback) after a mark in words, “stderr: ”
or “tickwork: ”, in that stream's colour (palette-aware), so a screen reader, and a person
who cannot tell the colours apart, knows which is which.

The marks are the window's, not the run's: Copy (Ctrl+C, the context menu, a drag) gives
the output as it was printed, without them, as `printed()` does. Where the stream changes in
the middle of a line (a prompt on stdout, then an error) the new stream starts a line of its
own, a break that is the window's too and left out of a copy.

What a program printed is shown as a terminal shows it (app/core/terminal.py): its SGR
colours, bold, faint, italic, underline, reverse video and strike-through as formats — a
colour that would not read on its ground (the palette's base, or the text's colour in
reverse) moved until it does (app/core/term_colours.py), again on a change of palette —, a
tab to the next multiple of 8 characters, and a line it overwrote with "\\r" (or erased,
ESC[K) in its last state, live too, by a terminal's cells; any other escape or control is
shown (`\\x1b]52;…`), never obeyed. Copy gives the text shown, without marks or escapes.

The document counts positions in UTF-16 units (an emoji is two), the screens in characters:
a cut and a copy go from one to the other.

Appending is the live log's hot path: a chunk without escapes or "\\r" is one insert, its
marks put in the text it inserts (no undo history is kept); a coloured one an insert a span.
"""

from __future__ import annotations

from app.core.sgr import PLAIN, Style, styled
from app.core.term_colours import FAINT_READABLE, READABLE, mix, readable, rgb
from app.core.terminal import MARKS, Screen, Span
from app.gui.qt import (
    QColor,
    QEvent,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QMimeData,
    QPalette,
    QPlainTextEdit,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QWidget,
)
from app.gui.widgets import display

MAX_LINES = 50_000
# the stream of text drawn in a colour of its own (stderr, Tickwork's), so a change of palette
# finds it, and a copy the mark its line starts with
STREAM = QTextCharFormat.Property.UserProperty + 1
STYLE = STREAM + 1  # the SGR style of text a program styled (`Style.sgr()`), so it is too
JOINED = 1  # a line's user state: the break before it is the window's (a stream changed)


class RunLog(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunLog")
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setMaximumBlockCount(MAX_LINES)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._tab_stops()
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setPlaceholderText("No output.")
        self._stream = "stdout"  # the stream of the last line's text
        self._open = False  # the last line has text and no end yet
        self._formats: dict[tuple[str, Style], QTextCharFormat] = {}
        self._screens: dict[str, Screen] = {}  # each stream as a terminal shows it

    def clear(self) -> None:
        super().clear()
        self._stream, self._open = "stdout", False
        self._screens.clear()

    def add(self, stream: str, text: str) -> None:
        """Append what a run printed on `stream` (stdout, stderr, tickwork), marked."""
        if text:
            screen = self._screens.get(stream)
            if screen is None:
                screen = self._screens[stream] = Screen()
            width = screen.width
            self._show(stream, width, *screen.feed(text))

    def end(self) -> None:
        """The output has ended: what a stream held for its next chunk (an ESC at its very
        end) is shown as it is."""
        for stream, screen in list(self._screens.items()):
            if screen.held:
                width = screen.width
                self._show(stream, width, *screen.flush())

    def _show(self, stream: str, width: int, keep: int, spans: list[Span]) -> None:
        """A stream's open line (`width` long) cut after `keep` characters and `spans` put
        after it, each line of a marked stream after its mark."""
        if not spans and keep >= width:
            return
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        base = self._format(stream, PLAIN)
        if self._open and stream != self._stream:  # another stream mid-line: a line of its own
            self._screens[self._stream].break_line()
            cursor.insertText("\n", base)
            cursor.block().setUserState(JOINED)
            self._open = False
        elif keep < width:  # what follows `keep` on the open line is written over or erased
            block = self.document().lastBlock()  # (from its start, its mark goes too: the
            # line may be erased, ESC[K, and a mark comes only with text)
            kept = _units(block.text()[:_mark_length(block) + keep]) if keep else 0
            cursor.setPosition(block.position() + kept, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            self._open = bool(keep)
        mark = MARKS.get(stream)
        start = not self._open  # at a line's start
        for text, style in spans:
            plain = style is PLAIN
            fmt = base if plain else self._format(stream, style)
            if mark is None or not (start or "\n" in text):
                cursor.insertText(text, fmt)  # (one insert a span: the hot path)
            elif plain:  # each line with text after its mark, unless it goes on a line
                cursor.insertText("\n".join(mark + line if line and (i or start) else line
                                            for i, line in enumerate(text.split("\n"))), fmt)
            else:
                for i, line in enumerate(text.split("\n")):
                    if i:
                        cursor.insertText("\n", fmt)
                    if line and (i or start):
                        cursor.insertText(mark, base)
                    if line:
                        cursor.insertText(line, fmt)
            start = text[-1] == "\n"
        cursor.endEditBlock()
        self._stream, self._open = stream, self._screens[stream].width > 0
        if at_end:
            bar.setValue(bar.maximum())

    def _format(self, stream: str, style: Style) -> QTextCharFormat:
        fmt = self._formats.get((stream, style))
        if fmt is None:
            fmt = QTextCharFormat()  # stdout in no colour of its own: the palette's text
            if stream in MARKS:
                fmt.setProperty(STREAM, stream)
                fmt.setForeground(self._colour(stream))
            if style is not PLAIN:
                self._style(fmt, stream, style)
            self._formats[(stream, style)] = fmt
        return fmt

    def _style(self, fmt: QTextCharFormat, stream: str, style: Style) -> None:
        """A program's SGR style on `fmt`, its colours readable on the palette's base (or on
        the text's own colour, in reverse video)."""
        fmt.setProperty(STYLE, style.sgr())
        if style.bold:
            fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setFontItalic(style.italic)
        fmt.setFontUnderline(style.underline)
        fmt.setFontStrikeOut(style.strike)
        if style.fg is None and style.bg is None and not style.faint and not style.reverse:
            return  # the stream's colour, or the palette's text
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        back = rgb(style.bg) if style.bg is not None else (base.red(), base.green(), base.blue())
        if style.fg is not None:
            fore = rgb(style.fg)
        else:
            text = self._colour(stream) if stream in MARKS \
                else palette.color(QPalette.ColorRole.Text)
            fore = (text.red(), text.green(), text.blue())
        if style.reverse:
            fore, back = back, fore
        if style.bg is not None or style.reverse:
            fmt.setBackground(QColor(*back))
        if style.faint:
            fore = readable(mix(fore, back, 0.4), back, FAINT_READABLE)
        fmt.setForeground(QColor(*readable(fore, back, READABLE)))

    def _colour(self, stream: str) -> QColor:
        """stderr in the failure colour, Tickwork's own lines in the placeholder's."""
        if stream == "stderr":
            return display.status_colour("failed")
        return self.palette().color(QPalette.ColorRole.PlaceholderText)

    # -- what is copied --------------------------------------------------------------------

    def printed(self, start: int = 0, end: int | None = None) -> str:
        """The output between two positions (all of it: None) as printed: no marks, no
        breaks of the window's own."""
        doc = self.document()
        end = doc.characterCount() - 1 if end is None else end
        parts: list[str] = []
        block = doc.findBlock(start)
        while block.isValid() and block.position() <= end:
            at, line = block.position(), block.text()
            if at > start and block.userState() != JOINED:
                parts.append("\n")
            a, b = max(start, at + _mark_length(block)), min(end, at + _units(line))
            if a < b:  # (positions count UTF-16 units: an emoji is two)
                parts.append(line.encode("utf-16-le", "surrogatepass")[2 * (a - at):2 * (b - at)]
                             .decode("utf-16-le", "surrogatepass"))
            block = block.next()
        return "".join(parts)

    def createMimeDataFromSelection(self) -> QMimeData:
        cursor = self.textCursor()
        data = QMimeData()
        data.setText(self.printed(cursor.selectionStart(), cursor.selectionEnd()))
        return data

    # -- the palette -----------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._tab_stops()
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "_formats"):
            self._formats.clear()
            self._recolour()

    def _tab_stops(self) -> None:
        """A tab to the next multiple of 8 characters, as on a terminal (Qt's: 80 pixels)."""
        self.setTabStopDistance(8 * QFontMetricsF(self.font()).horizontalAdvance(" "))

    def _recolour(self) -> None:
        """The output shown already, in the new palette's shades (it stayed black on the
        dark palette until another run was shown)."""
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                stream = fragment.charFormat().property(STREAM)
                sgr = fragment.charFormat().property(STYLE)
                if isinstance(stream, str) or isinstance(sgr, str):
                    cursor = QTextCursor(self.document())
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(fragment.position() + fragment.length(),
                                       QTextCursor.MoveMode.KeepAnchor)
                    cursor.setCharFormat(self._format(
                        stream if isinstance(stream, str) else "stdout",
                        styled(PLAIN, sgr) if isinstance(sgr, str) else PLAIN))
                it += 1
            block = block.next()


def _units(text: str) -> int:
    """`text`'s length in a document's positions: UTF-16 units (an emoji takes two)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


def _mark_length(block: QTextBlock) -> int:
    """The length of the mark a line starts with (0: none): a line of a marked stream always
    starts with its mark, and only such a line does."""
    it = block.begin()
    stream = it.fragment().charFormat().property(STREAM) if not it.atEnd() else None
    mark = MARKS.get(stream) if isinstance(stream, str) else None
    return len(mark) if mark is not None and block.text().startswith(mark) else 0
