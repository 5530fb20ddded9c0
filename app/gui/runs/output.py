"""A run's output as the Runs view shows it: stdout as printed; each line of stderr and of
Tickwork's own (progress, what was held back, a traceback) after a mark in words, “stderr: ”
or “tickwork: ”, in that stream's colour (palette-aware), so a screen reader, and a person
who cannot tell the colours apart, knows which is which.

The marks are the window's, not the run's: Copy (Ctrl+C, the context menu, a drag) gives
the output as it was printed, without them, as `printed()` does. Where the stream changes in
the middle of a line (a prompt on stdout, then an error) the new stream starts a line of its
own, a break that is the window's too and left out of a copy.

Appending is the live log's hot path: a chunk is one insert, its marks put in the text it
inserts (no undo history is kept).
"""

from __future__ import annotations

from app.gui.qt import (
    QColor,
    QEvent,
    QFontDatabase,
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
MARKS = {"stderr": "stderr: ", "tickwork": "tickwork: "}
# the stream of text drawn in a colour of its own (stderr, Tickwork's), so a change of palette
# finds it, and a copy the mark its line starts with
STREAM = QTextCharFormat.Property.UserProperty + 1
JOINED = 1  # a line's user state: the break before it is the window's (a stream changed)


class RunLog(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunLog")
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setMaximumBlockCount(MAX_LINES)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setPlaceholderText("No output.")
        self._stream = "stdout"  # the stream of the last line's text
        self._open = False  # the last line has text and no end yet
        self._formats: dict[str, QTextCharFormat] = {}

    def clear(self) -> None:
        super().clear()
        self._stream, self._open = "stdout", False

    def add(self, stream: str, text: str) -> None:
        """Append what a run printed on `stream` (stdout, stderr, tickwork), marked."""
        if not text:
            return
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        fmt = self._format(stream)
        if self._open and stream != self._stream:  # another stream mid-line: a line of its own
            cursor.insertText("\n", fmt)
            cursor.block().setUserState(JOINED)
            self._open = False
        mark = MARKS.get(stream)
        if mark is not None:  # each line with text after its mark, unless it goes on a line
            lines = text.split("\n")
            text = "\n".join(mark + line if line and (i or not self._open) else line
                             for i, line in enumerate(lines))
        cursor.insertText(text, fmt)  # (one insert: the hot path)
        cursor.endEditBlock()
        self._stream, self._open = stream, not text.endswith("\n")
        if at_end:
            bar.setValue(bar.maximum())

    def _format(self, stream: str) -> QTextCharFormat:
        fmt = self._formats.get(stream)
        if fmt is None:
            fmt = QTextCharFormat()  # stdout in no colour of its own: the palette's text
            if stream in MARKS:
                fmt.setProperty(STREAM, stream)
                fmt.setForeground(self._colour(stream))
            self._formats[stream] = fmt
        return fmt

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
            a, b = max(start, at + _mark_length(block)), min(end, at + len(line))
            if a < b:
                parts.append(line[a - at:b - at])
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
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "_formats"):
            self._formats.clear()
            self._recolour()

    def _recolour(self) -> None:
        """The output shown already, in the new palette's shades (it stayed black on the
        dark palette until another run was shown)."""
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                stream = fragment.charFormat().property(STREAM)
                if isinstance(stream, str):
                    cursor = QTextCursor(self.document())
                    cursor.setPosition(fragment.position())
                    cursor.setPosition(fragment.position() + fragment.length(),
                                       QTextCursor.MoveMode.KeepAnchor)
                    fmt = QTextCharFormat()
                    fmt.setForeground(self._colour(stream))
                    cursor.mergeCharFormat(fmt)
                it += 1
            block = block.next()


def _mark_length(block: QTextBlock) -> int:
    """The length of the mark a line starts with (0: none): a line of a marked stream always
    starts with its mark, and only such a line does."""
    it = block.begin()
    stream = it.fragment().charFormat().property(STREAM) if not it.atEnd() else None
    mark = MARKS.get(stream) if isinstance(stream, str) else None
    return len(mark) if mark is not None and block.text().startswith(mark) else 0
