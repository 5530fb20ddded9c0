"""`tickwork engine stop` refuses the options that only say how an engine starts: `engine
stop --workers 3` was taken, and did nothing, so a reader could think the running engine now
ran 3 at once. One line naming the option, exit 2, nothing stopped; `--store` (which engine)
still goes with it."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(("given", "option", "metavar"), [
    (["--workers", "3"], "--workers", "N"),
    (["--work=3"], "--workers", "N"),  # (argparse takes a prefix as the option)
    (["--grace", "10s"], "--grace", "DURATION"),
    (["--broker", "redis://127.0.0.1:6379/0"], "--broker", "URL"),
])
def test_engine_stop_refuses_an_option_for_starting(cli: Any, given: list[str], option: str,
                                                    metavar: str) -> None:
    refused = cli("engine", "stop", *given)
    assert (refused.code, refused.out) == (2, ""), refused
    assert refused.err == (f"tickwork: error: argument {option}: not allowed with `tickwork "
                           f"engine stop`: it is for starting an engine (`tickwork engine "
                           f"{option} {metavar}`)\n"), refused.err


def test_engine_stop_alone_still_answers(cli: Any) -> None:
    stopped = cli("engine", "stop")
    assert stopped.code == 0, stopped
    assert stopped.out == "no engine is running for this home: nothing to stop\n"
