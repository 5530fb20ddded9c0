"""A Python worker's fd 1 carries what its action printed and, as records of the worker's
own mark, its progress reports, so the two keep the order they were said in. The engine
takes the records out however its reads cut the stream; output that only looks like one
(the mark's first bytes, a mark with no record after it) stays output."""

from __future__ import annotations

import json

from app.engine.pyworkers import protocol

MARK = protocol.mark("0123456789abcdef")


def _record(message: str, fraction: float | None = 0.5) -> bytes:
    return protocol.progress_record(MARK, fraction, message)


def _read(stream: bytes, cuts: list[int]) -> list[tuple[str, bytes]]:
    """`stream` fed in pieces cut at `cuts`, then the end: what came out, the output joined."""
    marked = protocol.Marked(MARK)
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    said: list[tuple[str, bytes]] = []
    for piece in pieces:
        for kind, data in marked.feed(piece):
            said.append(("out" if kind == protocol.STDOUT else "progress", data))
    if rest := marked.rest():
        said.append(("out", rest))
    joined: list[tuple[str, bytes]] = []
    for kind, data in said:
        if joined and kind == "out" and joined[-1][0] == "out":
            joined[-1] = ("out", joined[-1][1] + data)
        else:
            joined.append((kind, data))
    return joined


def test_records_come_out_in_place_wherever_a_read_ends() -> None:
    stream = b"line 1\n" + _record("step 1") + b"half a line" + _record("step 2") + b"end\n"
    expected = [("out", b"line 1\n"),
                ("progress", json.dumps({"fraction": 0.5, "message": "step 1"}).encode()),
                ("out", b"half a line"),
                ("progress", json.dumps({"fraction": 0.5, "message": "step 2"}).encode()),
                ("out", b"end\n")]
    for cut in range(len(stream) + 1):
        assert _read(stream, [cut]) == expected, cut
    assert _read(stream, list(range(1, len(stream)))) == expected  # a byte a read


def test_what_only_looks_like_a_record_stays_output() -> None:
    binary = bytes(range(256)) * 4 + MARK[:5]  # ends in the mark's first bytes
    assert _read(binary, []) == [("out", binary)]
    assert _read(binary, [len(binary) - 3]) == [("out", binary)]
    unended = b"x" + MARK + b"no newline follows"  # the run ended within it
    assert _read(unended, []) == [("out", unended)]
    long = MARK + b"y" * protocol.RECORD_MOST + b"\n" + _record("after")  # too long for one
    said = _read(long, [7, 5000])
    assert said[0] == ("out", MARK + b"y" * protocol.RECORD_MOST + b"\n")
    assert said[1][0] == "progress" and b"after" in said[1][1]
    other = protocol.mark("fedcba9876543210") + b'{"fraction": 1, "message": "x"}\n'
    assert _read(other, []) == [("out", other)]  # another worker's mark is output here


def test_a_long_message_is_cut_to_fit_one_record() -> None:
    record = _record("é" * 10_000)
    assert len(record) <= protocol.RECORD_MOST and record.endswith(b"\n")
    message = json.loads(record[len(MARK):])["message"]
    assert message.endswith("…") and set(message[:-1]) == {"é"}
    assert _read(b"a\n" + record, [3000])[1][0] == "progress"
