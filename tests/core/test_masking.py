"""Secret masking: the rule on whole texts, and the same result however a stream is cut."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.masking import MASK, Masker

ALPHABET = "ab*\n"
secrets = st.lists(st.text(alphabet="ab\n", min_size=0, max_size=5), min_size=0, max_size=4)


def reference(values: list[str], text: str) -> str:
    """The rule, written the obvious way: hide every covered character, one *** a stretch."""
    covered = [False] * len(text)
    for value in (v for v in values if v):
        for i in range(len(text)):
            if text.startswith(value, i):
                for j in range(i, i + len(value)):
                    covered[j] = True
    out: list[str] = []
    for i, ch in enumerate(text):
        if not covered[i]:
            out.append(ch)
        elif i == 0 or not covered[i - 1]:
            out.append(MASK)
    return "".join(out)


@given(values=secrets, text=st.text(alphabet=ALPHABET, max_size=60),
       cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=8))
@settings(max_examples=400, deadline=None)
def test_a_stream_cut_anywhere_masks_like_the_whole_text(values: list[str], text: str,
                                                         cuts: list[int]) -> None:
    masker = Masker(values)
    bounds = sorted([min(c, len(text)) for c in cuts] + [0, len(text)])  # empty chunks too
    stream = masker.stream()
    out = []
    for start, end in itertools.pairwise(bounds):
        out.append(stream.feed(text[start:end]))
        assert len(stream._pending) <= max(0, masker.longest - 1)
    out.append(stream.flush())
    streamed = "".join(out)
    assert streamed == reference(values, text) == masker.mask(text)
    for value in values:
        if value:
            assert value not in streamed  # no value contains '*', so none can reappear


def test_examples() -> None:
    masker = Masker(["hunter2", "", "7"])
    assert masker.mask("pw=hunter2 pin=7 and 77") == "pw=*** pin=*** and ***"
    assert Masker([]).mask("hunter2") == "hunter2"
    stream = Masker(["hunter2"]).stream()
    assert stream.feed("pw=hun") == "pw="  # "hun" may begin the secret: held back
    assert stream.feed("ter2!") == "***!"
    assert stream.feed("hunt") == ""
    assert stream.flush() == "hunt"  # the stream ended: it was not a secret after all


def test_json_data_is_masked_in_its_strings_keys_and_numbers() -> None:
    """A checkpoint's data: a secret is found however JSON would escape it, and a secret
    made of digits is found in a number too (the number gives way to ***)."""
    from app.core.masking import Masker

    masker = Masker(['q"uo\\te', "123456"])
    data = {"token": 'q"uo\\te', 'q"uo\\te': [1, 123456, 9.5, True, None], "pin": 7123456}
    assert masker.mask_data(data) == {"token": "***", "***": [1, "***", 9.5, True, None],
                                      "pin": "7***"}
