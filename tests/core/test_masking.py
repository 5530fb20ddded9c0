"""Secret masking: the rule on whole texts, and the same result however a stream is cut."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.masking import MASK, Masker, secret_forms

ALPHABET = "ab*\n"
secrets = st.lists(st.text(alphabet="ab\n", min_size=0, max_size=5), min_size=0, max_size=4)


def reference(values: list[str], text: str) -> str:
    """The rule, written the obvious way: hide every covered character, one *** a stretch
    (`values`: every form masked)."""
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
    assert streamed == reference(list(masker.values), text) == masker.mask(text)
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


# long enough for its transformed forms; its base64 has + and /, its URL and JSON forms differ
LONG = 'pass>>w0rd?"é/~ok'
FORMS = st.sampled_from([*sorted(secret_forms(LONG)), "cGF", "zz4", "%3E", "=", "u:", "\n"])


@given(parts=st.lists(FORMS, max_size=8),
       cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=10))
@settings(max_examples=300, deadline=None)
def test_transformed_forms_cut_anywhere_mask_like_the_whole_text(parts: list[str],
                                                                 cuts: list[int]) -> None:
    masker = Masker([LONG])
    text = "".join(parts)
    bounds = sorted([min(c, len(text)) for c in cuts] + [0, len(text)])
    stream = masker.stream()
    streamed = "".join(stream.feed(text[a:b]) for a, b in itertools.pairwise(bounds))
    streamed += stream.flush()
    assert streamed == reference(list(masker.values), text) == masker.mask(text)
    for form in secret_forms(LONG):
        assert form not in streamed


def test_a_secret_is_masked_base64_percent_and_json_encoded() -> None:
    import base64
    import json
    from urllib.parse import quote, quote_plus

    masker = Masker([LONG])
    raw = LONG.encode()
    for printed in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode(),
                    base64.b64encode(raw).decode().rstrip("="), quote(LONG, safe=""),
                    quote(LONG), quote_plus(LONG), json.dumps(LONG)[1:-1],
                    json.dumps(LONG, ensure_ascii=False)[1:-1]):
        assert printed != LONG
        assert masker.mask(f"<{printed}>") == "<***>", printed
    # inside longer base64, at each alignment: only the digit mixing a neighbour's bits stays
    assert masker.mask(base64.b64encode(b"me:" + raw).decode()) == "bWU6***"
    assert masker.mask(base64.b64encode(b"u:" + raw).decode()) == "dTp***s="
    assert masker.mask(base64.b64encode(b"x" + raw + b"\n").decode()) == "eH***wo="
    assert masker.mask(base64.urlsafe_b64encode(b"x" + raw).decode()) == "eH***w=="


def test_short_secrets_are_masked_only_as_given_and_others_not_transformed() -> None:
    import base64

    assert secret_forms("s3cr!") == {"s3cr!"}  # under MIN_TRANSFORMED characters
    assert Masker(["s3cr!"]).mask("s3cr! " + base64.b64encode(b"s3cr!").decode()) == \
        "*** czNjciE="
    assert secret_forms("plain-word_9") == {"plain-word_9", "cGxhaW4td29yZF85",
                                             "BsYWluLXdvcmRfO", "wbGFpbi13b3JkXz"}
    masker = Masker([LONG])
    for other in (LONG.encode().hex(), LONG.upper(), ascii(LONG), LONG[:8] + "\n" + LONG[8:]):
        assert "***" not in masker.mask(other), other  # said in the README: not masked
