"""Schedules in plain words."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest

from app.core.schedule import Schedule, describe
from tests.core.schedule.samples import BERLIN, fires


@pytest.mark.parametrize(
    ("schedule", "tz_name", "words"),
    [
        (Schedule(kind="manual"), None, "Manually"),
        (Schedule.parse_every("5m"), None, "Every 5 minutes"),
        (Schedule.parse_every("1m"), None, "Every minute"),
        (Schedule.parse_every("1h30m"), None, "Every 1 hour and 30 minutes"),
        (Schedule.parse_every("2w"), None, "Every 2 weeks"),
        (Schedule(kind="interval", seconds=0.5), None, "Every 500 milliseconds"),
        (
            Schedule.parse_at("2026-12-01T02:00", BERLIN),
            "Europe/Berlin",
            "Once at 2026-12-01 02:00 (Europe/Berlin)",
        ),
        (
            Schedule.from_json({"kind": "date", "at": "2026-12-01T02:00:30+01:00"}),
            None,
            "Once at 2026-12-01 02:00:30 (UTC+01:00)",
        ),
        (Schedule.parse_cron("0 2 * * *"), None, "At 02:00"),
        (Schedule.parse_cron("0 2 * * *"), "Europe/Berlin", "At 02:00 (Europe/Berlin)"),
        (Schedule.parse_cron("30 14 * * 1-5"), None, "At 14:30, Monday through Friday"),
        (Schedule.parse_cron("0 0 * * 7"), None, "At 00:00, only on Sunday"),
        (Schedule.parse_cron("0 0 13 * 5"), None, "At 00:00, on day 13 of the month, or on Friday"),
        (Schedule.parse_cron("0 0 */2 * 1"), None, "At 00:00, every 2 days, and only on Monday"),
        (Schedule.parse_cron("*/10 * * * * *"), None, "Every 10 seconds"),
        (Schedule.parse_cron("30 0 2 * * *"), None, "At 02:00:30"),
        (Schedule.parse_cron("@daily"), None, "At 00:00"),
        (Schedule.parse_cron("@hourly"), None, "Every hour"),
        (Schedule.parse_cron("@reboot"), "UTC", "At the first engine start after each boot"),
        (Schedule.parse_calendar("1mo@02:00"), None, "Every month at 02:00"),
        (Schedule.parse_calendar("2w@08:30"), None, "Every 2 weeks at 08:30"),
        (Schedule.parse_calendar("1d@23:59:30"), None, "Every day at 23:59:30"),
        (Schedule.parse_after("A,B"), None, "After A and B succeed"),
        (Schedule.parse_after("A"), None, "After A succeeds"),
        (Schedule.parse_after("A, B, C"), None, "After A, B and C succeed"),
    ],
)
def test_describe(schedule: Schedule, tz_name: str | None, words: str) -> None:
    assert describe(schedule, tz_name) == words


def test_describe_calendar_with_its_start() -> None:
    start = datetime(2026, 1, 15, 9, tzinfo=BERLIN)
    assert describe(Schedule.parse_calendar("1mo@02:00"), start=start) == (
        "Every month on day 15 at 02:00"
    )
    yearly = Schedule.parse_calendar("1y")
    assert describe(yearly, start=start) == "Every year on 15 January at 00:00"
    # a day not every month (or year) has is skipped there, and said (a newcomer's
    # run-through: "Every month on day 31" fired in January, March and May only)
    end_of = datetime(2027, 1, 31, tzinfo=BERLIN)
    assert describe(Schedule.parse_calendar("1mo@02:00"), start=end_of) == (
        "Every month on day 31 at 02:00, skipping months without one")
    # a step that never meets a short month says nothing of skipping (a review's finding)
    for every in ("12mo@02:00", "6mo@02:00"):
        assert describe(Schedule.parse_calendar(every), start=end_of).endswith("at 02:00")
    assert describe(Schedule.parse_calendar("6mo@02:00"), start=datetime(
        2027, 3, 31, tzinfo=BERLIN)).endswith("skipping months without one")  # September
    leap = datetime(2028, 2, 29, tzinfo=BERLIN)
    assert describe(yearly, start=leap) == (
        "Every year on 29 February at 00:00, skipping years without one")


def test_describe_never_raises_on_an_unknown_zone() -> None:
    once = Schedule.parse_at("2026-12-01T02:00", BERLIN)
    assert describe(once, "Not/AZone") == "Once at 2026-12-01 02:00 (UTC+01:00)"



@pytest.mark.parametrize("expr", ["*/5 * * * *", "30 9 * * *", "0 0 1,15 * *",
                                  "15 3 * jan-mar *", "0 */2 * * *", "59 23 31 12 *"])
def test_cron_words_are_cron_descriptors_own(expr: str) -> None:
    """Words read with the translation loaded once are the library's plain words."""
    from cron_descriptor import ExpressionDescriptor, Options

    options = Options(locale_code="en_US", use_24hour_time_format=True)
    plain = ExpressionDescriptor(f"0 {expr} *", options).get_description()
    assert describe(Schedule.parse_cron(expr)) == plain


def test_a_time_every_day_reads_as_cron_descriptor_words_it() -> None:
    """Crons at a fixed time every day are worded without the library (it costs a new
    process ~8 ms to load and each expression ~0.1 ms): the words are still its own, for
    every minute of the day, seconds given or not ("0" is not shown, "00" is), numbers
    written with leading zeros; shapes next to it still go to the library."""
    from cron_descriptor import ExpressionDescriptor, Options

    options = Options(locale_code="en_US", use_24hour_time_format=True)
    six = [f"0 {m} {h} * * *" for h in range(24) for m in range(60)]
    six += [f"{s} {m} {h} * * *" for h in range(0, 24, 5) for m in range(0, 60, 7)
            for s in range(1, 60, 11)]
    six += ["00 00 00 * * *", "05 009 07 * * *", "59 59 23 * * *", "000 0 0 * * *",
            "0 00 0 * * *", "0 5-5 14 * * *", "0 5 14 */1 * *", "0 5 14 * jan *",
            "0 5 14 1-31 * *", "0 5 14 * */1 *", "*/1 5 14 * * *", "0,0 5 14 * * *"]
    five = ["5 14 * * *", "05 4 * * *", "59 23 * * *", "0 0 * * *", "0 0 */1 * *"]
    for expr, seven in [*((e, f"{e} *") for e in six), *((e, f"0 {e} *") for e in five)]:
        plain = ExpressionDescriptor(seven, options).get_description()
        assert describe(Schedule.parse_cron(expr)) == plain, expr


@pytest.mark.parametrize(("expr", "words"), [
    ("*/45 * * * *", "At 0 and 45 minutes past the hour"),
    ("0 */5 * * *", "At 00:00, 05:00, 10:00, 15:00 and 20:00"),
    ("*/40 * * * * *", "At 0 and 40 seconds past the minute"),
    ("*/61 * * * * *", "Every minute"),  # 0 only: once a minute, at :00
    ("0 0 */10 * *", "At 00:00, on day 1, 11, 21, and 31 of the month"),
    ("0 0 1 */5 *", "At 00:00, on day 1 of the month, only in January, June, and November"),
    ("*/15 * * * *", "Every 15 minutes"),  # even steps keep their words
    ("0 9-17/2 * * *", "Every 2 hours, between 09:00 and 17:59"),
])
def test_a_step_that_does_not_come_round_evenly_lists_its_times(expr: str, words: str) -> None:
    """"Every 45 minutes" was said of a cron firing at :00 and :45 (gaps of 45 and 15
    minutes), "every 10 days" of days 1, 11, 21 and 31 (a fault hunt)."""
    assert describe(Schedule.parse_cron(expr)) == words


@pytest.mark.parametrize(("field", "unit", "span"), [(0, "minute", 60), (1, "hour", 24)])
def test_every_n_is_said_only_where_every_gap_is_n(field: int, unit: str, span: int) -> None:
    """Through the real stepping: a day of fires for each step from 1 to past the span."""
    for step in range(1, span + 2):
        expr = " ".join(f"*/{step}" if i == field else ("0" if i < field else "*")
                        for i in range(5))
        words = describe(Schedule.parse_cron(expr))
        times = fires(expr, count=60 * 24 // (1 if field == 0 else 60) + 1)
        gaps = {round((b - a).total_seconds()) for a, b in pairwise(times)}
        if words.startswith("Every"):  # "Every minute", "Every 5 minutes", "Every hour"
            count, _, rest = words.removeprefix("Every ").partition(" ")
            n, what = (1, count) if not count.isdigit() else (int(count), rest)
            said = n * (60 if what.startswith("minute") else 3600)
            assert gaps == {said}, (expr, words, gaps)
        else:  # its times listed ("At 0 and 45 minutes past the hour", "At 00:00, 05:00…")
            assert words.startswith("At "), (expr, words)
