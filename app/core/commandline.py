"""Reading a command line as a person typed it: does it use shell syntax?

No Qt, no store: the editor uses it to say, as you type, that a line needs the shell.
"""

from __future__ import annotations

from typing import Final

_SHELL_WORDS: Final = frozenset({"for", "while", "until", "if", "case", "function"})
_SHELL_OPERATORS: Final = ("&&", "||", ";", "|", ">", "<", "`", "$(", "$")


def shell_syntax(line: str) -> str | None:
    """The first piece of shell syntax in a command line, or None.

    Run without the shell, `;`, `|`, `>`, `<`, `&&`, `$VAR`, backticks or `for … do` are
    passed to the program as literal text, which is rarely what the person meant. Quoted
    text is skipped as the shell would (`$` still counts inside double quotes), and so is a
    backslash-escaped character (`find … -exec rm {} \\;` is fine without the shell). A lone
    `&` is not reported: in a URL's query string it is meant literally, and works so.
    """
    words = line.split()
    if words and words[0] in _SHELL_WORDS:
        return words[0]
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote == "'":
            if ch == "'":
                quote = ""
        elif ch == "\\":
            i += 1
        elif quote == '"':
            if ch == '"':
                quote = ""
            elif ch in "$`":
                return ch
        elif ch in "'\"":
            quote = ch
        else:
            for op in _SHELL_OPERATORS:
                if line.startswith(op, i):
                    return op
        i += 1
    return None
