"""What the Metrics view's titles say: each plot's newest values, a number with its unit, and
the start delay of the last minute's runs in words that fit how many there were.

The engine's start delay is the 99th percentile of the last minute's runs
(`app.engine.metrics.percentile`), which for fewer than 100 runs is the worst of them: so
there “99 %” said nothing true a person could use (“99 % of the last minute's runs” of one
run). Below `PERCENTILE_FROM` runs the title says it by count (“the one run…”, “both runs…”,
“all 30 runs in the last minute started within 4 ms”), from there on as the percentile of
so many runs; with none, that there were none (the delay shown was an older minute's).

Catch-ups of missed runs (fires missed while no engine ran, the machine slept or the store
could not be written; runs given back by a stop or queued by hand while no engine ran) are
not in the delay (how late they started is how long the engine could not start them,
app/engine/stats.py): the words count the runs the delay is of and say how many catch-ups
they leave out (“all 3 runs in the last minute started within 4 ms (12 catch-ups of missed
runs not counted)”); “Runs started” counts them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from app.core.nouns import plural

NBSP = "\u00a0"  # between a number and its unit: a wrapped title read “within 2” / “ms; …”
WORD_JOINED = "/\u2060"  # a unit's slash, no line break after it (“runs/” / “min”)
COUNTED = ("runs", "runs/min")  # units of things counted: whole-number ticks (no “1.5 runs”)
PERCENTILE_FROM = 100  # runs in a minute: below it, the engine's 99th percentile is the worst
SHORT_TITLES = {"CPU (whole machine)": "Machine CPU", "Memory (whole machine)": "Machine memory"}


def with_unit(number: str, unit: str) -> str:
    """A number and its unit on one line where a title wraps; “1 run/min”, not “1 runs/min”."""
    unit = unit.replace("runs", "run", 1) if number == "1" and unit in COUNTED else unit
    return f"{number}{NBSP}{unit.replace('/', WORD_JOINED)}"


def _counted(runs: int) -> str:
    """“1,250 runs”, on one line where a title wraps."""
    return plural(runs, "run").replace(" ", NBSP, 1)


def _who(runs: int | None, narrow: bool) -> str:
    """The runs the delay is of: all of them by count, or 99 % of many (or of a count not
    sampled)."""
    if runs is None or runs >= PERCENTILE_FROM:
        many = "runs" if runs is None else _counted(runs)
        return f"99{NBSP}%" if narrow else f"99{NBSP}% of the {many}"
    if runs == 1:
        return "1 run," if narrow else "the one run"
    if runs == 2:
        return "both" if narrow else "both runs"
    return f"all {runs:,}" if narrow else f"all {_counted(runs)}"


def _catch_ups(count: int, narrow: bool) -> str:
    """“12 catch-ups of missed runs” (“12 catch-ups” where narrow), its number and noun on
    one line."""
    said = plural(count, "catch-up").replace(" ", NBSP, 1)
    return said if narrow else f"{said} of {'a missed run' if count == 1 else 'missed runs'}"


def start_delay(runs: float | None, late: float | None, worst: float | None, span: str,
                narrow: bool, catch_ups: float | None = None) -> str:
    """The start delay title's words: `runs` started in the last minute, `catch_ups` of them
    catch-ups not in the delay, the others within `late` ms, `worst` ms at worst in the
    `span` shown; shorter where `narrow`."""
    at_worst = "" if worst is None else f"{with_unit(f'{worst:.0f}', 'ms')} at worst"
    caught = round(catch_ups or 0)
    counted = None if runs is None else max(0, round(runs) - caught)
    if counted == 0 or late is None:  # none: any delay in view is an older minute's
        said = "none in the last minute" if narrow else "no runs in the last minute"
        if caught and not counted:  # only catch-ups: none the engine was due to start
            said = f"only {_catch_ups(caught, narrow)}" + (
                "" if narrow else " in the last minute, not counted")
        return said + (f", {at_worst}" if narrow else f"; {at_worst} in the last {span}") \
            * bool(at_worst)
    within = with_unit(f"{late:.0f}", "ms")
    worse = worst is not None and round(worst) > round(late)
    aside = ""
    if caught:  # said beside the delay that leaves them out
        aside = f" ({_catch_ups(caught, narrow)} {'aside' if narrow else 'not counted'})"
    if narrow:
        return f"{_who(counted, True)} within {within}{aside}" + f", {at_worst}" * worse
    return (f"{_who(counted, False)} in the last minute started within {within}{aside}"
            + f"; {at_worst} in the last {span}" * worse)


def plot_title(title: str, unit: str, curves: tuple[tuple[str, str, str], ...],
               latest: Mapping[str, float], worst: Mapping[str, float], span: str,
               minutes: bool, narrow: bool, shade: Callable[[str], str]) -> str:
    """A plot's title with the newest value of each of its `curves` (series, legend, status
    colour) in `latest`: `worst` the highest in the `span` shown, `minutes` where a point is a
    minute (the day), shorter where `narrow`; `shade` gives a status colour's name."""
    parts = []
    for series, legend, colour in curves:
        value = latest.get(series)
        if len(curves) > 1:  # each line's words in its colour: the title is its legend (a
            shown = with_unit(f"{value:.0f}", legend) if isinstance(value, int | float) \
                else legend  # legend box covered half a narrow plot: a second run-through)
            parts.append(f'<span style="color:{shade(colour)}">{shown}</span>')
            continue
        if isinstance(value, int | float):
            shown = f"{value:.0f}" if unit != "%" else f"{value:.1f}"
            if series == "lateness_p99_ms":  # the last minute's runs by count, and at worst
                # in the span (shorter where narrow: four lines ran over)
                parts.append(start_delay(latest.get("fires_per_min"), value,
                                         worst.get(series), span, narrow,
                                         latest.get("catch_ups_per_min")))
            else:
                parts.append(with_unit(shown, unit))
    if title == "Runs in flight" and minutes and not narrow:
        title += ", the most at once each minute"  # (the note above says it too)
    if narrow:  # (the long words took a second line, squeezing a row of plots)
        title = SHORT_TITLES.get(title, title)
    return f"{title} — {', '.join(parts)}" if parts else title


def plain(title: str) -> str:
    """A plot's title as words: no markup (a legend's colours), plain spaces and slashes."""
    return re.sub(r"<[^>]+>", "", title).replace(NBSP, " ").replace(WORD_JOINED, "/")


def plots_words(span: str, titles: list[str], status: str) -> str:
    """The plots in words, for a screen reader (their description): each title with its
    newest value, over the span shown ("Last 5 min: CPU — 12.0 %; …. Last sample …")."""
    return f"Last {span}: {'; '.join(titles)}. {status}"
