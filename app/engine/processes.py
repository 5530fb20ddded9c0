"""Stopping every process of a run — the whole tree, escapees included — and never a stranger.

A command starts in its own session, so its process group id is its leader's pid; the ledger
records that pid and the leader's start time (psutil `create_time()`). Every process of a
run also carries `TICKWORK_RUN_TOKEN=<run id>@<engine id>` in its environment, which
whatever it starts inherits: children that left the group with `setsid`, and ones re-parented
when their parent died (after a `kill -9` of the engine, say).

To stop a run, `RunProcesses` gathers, each time it signals:
- the leader and its tree (`children(recursive=True)`) and the leader's group — only while
  the leader's pid still has the recorded start time, so a reused pid is never touched;
- every process of this user whose environment carries the run's token (`Process.environ()`,
  processes it may not read are skipped). The token is robust to re-parenting and to pid
  reuse (a stranger does not carry it), and it needs nothing written after the process
  started: the claim row that names the engine is committed before the run starts, so a
  process started just before a `kill -9`, whose `running` row never committed, is found too.

Then SIGTERM, a short grace, SIGKILL, and a wait until they are gone (a zombie counts as
gone: it runs nothing, and only its parent can reap it). What cannot be found: a process
that emptied its environment (`env -i`) *and* left the group *and* lost its parent; a
process of another user is never touched.

`stop_helpers` kills a dead engine's launchers and Python workers (app/engine/lineage.py)
before its runs are stopped: one slow to read could start its last command after the look.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from functools import partial

import psutil  # type: ignore[import-untyped]  # no stubs installed

from app import platform
from app.engine.lineage import HELPER_VAR, TOKEN_VAR

log = logging.getLogger("tickwork.engine")

KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL of a run's processes
POLL = 0.05  # seconds between looks while waiting for processes to go
_GONE = (psutil.NoSuchProcess, psutil.ZombieProcess)


def run_token(run_id: int, engine_id: str) -> str:
    """The token every process of one run carries: unique to the run and its engine."""
    return f"{run_id}@{engine_id}"


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_boot = [0.0, -1.0]  # the boot time psutil adds, and when it was read (monotonic)


def _stat(pid: int) -> bytes | None:
    """/proc/<pid>/stat; None when the process is gone (and reaped), b"" without /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
    except OSError:
        return b""


def _fields(stat: bytes) -> list[bytes]:
    """/proc/<pid>/stat's fields after the command name: [0] is field 3, `state`."""
    return stat[stat.rindex(b")") + 2:].split()


def _start_ticks(fields: list[bytes]) -> int:
    return int(fields[19])  # field 22, `starttime`


def _psutil_created(pid: int) -> float | None:
    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.Error, OSError):
        return None


_BOOTTIME = getattr(time, "CLOCK_BOOTTIME", None)  # (Linux) the clock `starttime` counts


class _ClockWord:
    """Whether a start time told by the clock is trusted (`leader_created`)."""

    trusted = True
    checks = 16  # the first starts are read from /proc as well


def boot_ticks() -> int | None:
    """Now in the clock ticks since boot that /proc/<pid>/stat's `starttime` counts (the
    kernel stamps a new process with CLOCK_BOOTTIME, `nsec_to_clock_t` floors it to ticks);
    None where there is no such clock."""
    if _BOOTTIME is None:
        return None
    return time.clock_gettime_ns(_BOOTTIME) // (1_000_000_000 // _TICKS)


def leader_created(pid: int, ticks: tuple[int | None, int | None] = (None, None)
                   ) -> float | None:
    """A just-started leader's start time, to tell it from a later process with its pid:
    psutil's `create_time()`, read here in one go from /proc where there is one. A launcher
    asks for every command it starts, and reading another process's stat costs ~50 µs of
    CPU, so it passes `ticks`: `boot_ticks()` just before and just after the start. The
    process was stamped between the two, so when they are the same tick (19 starts in 20:
    a `posix_spawn` takes ~0.5 ms, a tick 10) that is its `starttime`. The first starts
    read /proc as well, and one that disagrees (a /proc that counts otherwise: an emulated
    kernel) turns the clock's word off for good. None when /proc says it is gone: the token
    still finds what it left."""
    before, after = ticks
    told = before if before is not None and before == after and _ClockWord.trusted else None
    if told is not None and _ClockWord.checks <= 0:
        start = told
    else:
        stat = _stat(pid)
        if not stat:
            return None if stat is None else _psutil_created(pid)
        start = _start_ticks(_fields(stat))
        if told is not None:
            _ClockWord.trusted = told == start
            _ClockWord.checks -= 1
    now = time.monotonic()
    if now - _boot[1] > 1.0:  # psutil reads it afresh each time (the wall clock may move)
        try:
            _boot[:] = [float(psutil.boot_time()), now]
        except (OSError, psutil.Error):
            return _psutil_created(pid)
    return start / _TICKS + _boot[0]


STOP_MISS = 5.0  # seconds a helper with runs (launcher, Python worker) may stay stopped


class Stopped:
    """How long a process has stood stopped (SIGSTOP, a debugger at a breakpoint), from looks
    now and then: a traced one stops at each system call it makes (`strace -p`) and runs
    between them, so a look that finds its CPU time grown starts the count afresh."""

    __slots__ = ("since", "ticks")

    def __init__(self) -> None:
        self.since = 0.0  # the look that first found it stopped with these ticks (monotonic)
        self.ticks = -1

    def look(self, pid: int, now: float) -> float | None:
        """Seconds it has stood stopped using no CPU; None when it runs."""
        ticks = stopped_ticks(pid)
        if ticks is None:
            self.since = 0.0
            return None
        if ticks != self.ticks or not self.since:
            self.since, self.ticks = now, ticks
        return now - self.since


def stopped_ticks(pid: int) -> int | None:
    """The CPU time (clock ticks) of a process stopped or held by a debugger; None when it
    runs (or is gone)."""
    stat = _stat(pid)
    if stat == b"":
        try:
            proc = psutil.Process(pid)
            if proc.status() not in (psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP):
                return None
            times = proc.cpu_times()
            return int((times.user + times.system) * 100)
        except (psutil.Error, OSError):
            return None
    if stat is None:
        return None
    fields = _fields(stat)
    return int(fields[11]) + int(fields[12]) if fields[0] in (b"T", b"t") else None  # utime, stime


def identity(pid: int) -> str | None:
    """Which process `pid` names now, in words no clock change alters (its start in clock
    ticks since boot where there is /proc); None when there is none."""
    stat = _stat(pid)
    if not stat:
        return None if stat is None else repr(_psutil_created(pid))
    fields = _fields(stat)
    if fields[0] == b"Z":
        return None  # dead, not yet reaped: it runs nothing
    return str(_start_ticks(fields))


def _alive(proc: psutil.Process) -> bool:
    try:
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except _GONE:
        return False
    except psutil.Error:
        return True  # cannot tell: assume it runs


def _environments(var: str) -> Iterator[tuple[psutil.Process, str]]:
    """This user's other processes whose environment carries `var`, with its value
    (processes gone, or not ours to read, are skipped)."""
    me = os.getpid()
    uid = os.getuid() if hasattr(os, "getuid") else None
    for proc in psutil.process_iter():
        if proc.pid == me:
            continue
        try:
            if uid is not None and proc.uids().real != uid:
                continue
            value = proc.environ().get(var)
        except (psutil.Error, OSError):
            continue
        if value is not None:
            yield proc, value


def with_tokens(tokens: set[str]) -> dict[str, list[psutil.Process]]:
    """This user's live processes whose environment carries one of `tokens`, by token."""
    found: dict[str, list[psutil.Process]] = {}
    if not tokens:
        return found
    for proc, token in _environments(TOKEN_VAR):
        if token in tokens and _alive(proc):
            found.setdefault(token, []).append(proc)
    return found


_mark: list[object] = [0, ""]  # (pid, mark) of this process, made once per process


def helper_mark() -> str:
    """HELPER_VAR's value for the helpers this process starts: its pid and start time (a
    later process with the same pid has another start time). Made afresh after a fork."""
    pid = os.getpid()
    if _mark[0] != pid:
        _mark[:] = [pid, f"{pid}:{identity(pid)}"]
    return str(_mark[1])


def stop_helpers(engine_pids: set[int], wait: float = 10.0) -> int:
    """SIGKILL this user's helpers (launchers, Python workers) of the engine processes
    `engine_pids` that are gone, and wait until they are gone too; how many there were.
    A helper of a live process (ours, or a later one with the same pid) is never touched.

    Looked for again until a look finds none: a command a launcher was starting as it was
    killed shows the launcher's environment until it execs (vfork), so it is found here
    before, or by its run's token after."""
    if not engine_pids:
        return 0
    killed: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        fresh = [proc for proc, mark in _environments(HELPER_VAR)
                 if _orphaned_helper(mark, engine_pids) and _alive(proc)]
        if not fresh:
            break
        for proc in fresh:
            with contextlib.suppress(psutil.Error, OSError):
                proc.send_signal(platform.SIGKILL)  # psutil refuses a pid reused since
            killed[proc.pid] = proc
        _wait_gone(partial(_living, fresh), deadline)
    return len(killed)


def _orphaned_helper(mark: str, engine_pids: set[int]) -> bool:
    """The mark names one of `engine_pids`, and that process is gone."""
    pid, _, marked = mark.partition(":")
    return pid.isdecimal() and int(pid) in engine_pids and identity(int(pid)) != marked


class RunProcesses:
    """The processes of one run: found afresh at each signal, remembered once seen."""

    def __init__(self, token: str | None, pgid: int | None = None,
                 created: float | None = None, ended: bool = False) -> None:
        self.token = token
        self.pgid = pgid
        self.created = created
        # the leader exited and was reaped by the caller: its pid stays reserved while its
        # group has a member, so the group is signalled (and its members found) without it —
        # unless a process has that pid again (the group emptied, the pid was given anew)
        self.ended = ended
        self.seen: dict[int, psutil.Process] = {}

    def leader(self) -> psutil.Process | None:
        """The group leader, if its pid still names the process that started the run."""
        if self.pgid is None or self.created is None:
            return None
        try:
            proc = psutil.Process(self.pgid)
            if abs(proc.create_time() - self.created) > 0.01:
                return None  # the pid was reused: a stranger
            return proc
        except (psutil.Error, OSError):
            return None

    def find(self, tokened: list[psutil.Process] | None = None) -> list[psutil.Process]:
        """Gather the run's live processes (tree, group's leader, token carriers)."""
        leader = self.leader()
        if leader is not None:
            self._see([leader])
            with contextlib.suppress(psutil.Error, OSError):
                self._see(leader.children(recursive=True))
        if tokened is None and self.token is not None:
            tokened = with_tokens({self.token}).get(self.token, [])
        self._see(tokened or [])
        if self.ended and self.pgid is not None:
            self._see(_group_members(self.pgid))
        return _living(list(self.seen.values()))

    def _see(self, procs: list[psutil.Process]) -> None:
        for proc in procs:
            self.seen.setdefault(proc.pid, proc)

    def signal(self, sig: int, tokened: list[psutil.Process] | None = None) -> int:
        """Send `sig` to every process of the run and to its group; how many were found."""
        procs = self.find(tokened)
        if self.pgid is not None and (self.leader() is not None if not self.ended
                                      else not psutil.pid_exists(self.pgid)):
            platform.kill_group(self.pgid, sig)
        for proc in procs:
            with contextlib.suppress(psutil.Error, OSError):
                proc.send_signal(sig)  # psutil refuses a pid reused since it was seen
        return len(procs)

    def alive(self) -> list[psutil.Process]:
        return _living(list(self.seen.values()))

    def stop(self, grace: float, wait: float = 10.0) -> list[psutil.Process]:
        """SIGTERM, `grace` seconds, SIGKILL, then wait until gone; the ones that would not."""
        return stop_all([self], grace, wait)[1]


def stop_all(runs: list[RunProcesses], grace: float, wait: float = 10.0
             ) -> tuple[int, list[psutil.Process]]:
    """Stop the processes of many runs together (one scan of the process table per signal):
    SIGTERM, up to `grace` seconds, SIGKILL, then up to `wait` seconds until gone. Returns
    how many processes were found, and those that would not go (logged)."""
    tokens = {r.token for r in runs if r.token is not None}

    def signal_all(sig: int) -> int:
        found = with_tokens(tokens)
        return sum(r.signal(sig, found.get(r.token or "", [])) for r in runs)

    def left() -> list[psutil.Process]:
        return [p for r in runs for p in r.alive()]

    found = signal_all(signal.SIGTERM)
    if not found:
        return 0, []
    _wait_gone(left, time.monotonic() + grace)
    signal_all(platform.SIGKILL)
    stuck = _wait_gone(left, time.monotonic() + wait)
    if stuck:
        log.warning("processes %s would not stop", sorted(p.pid for p in stuck))
    return len({p.pid for r in runs for p in r.seen.values()}), stuck


def _group_members(pgid: int) -> list[psutil.Process]:
    """The processes in the group `pgid` (a scan: only when something was left there)."""
    found = []
    for pid in psutil.pids():
        with contextlib.suppress(OSError, psutil.Error):
            if os.getpgid(pid) == pgid:
                found.append(psutil.Process(pid))
    return found


def _living(procs: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in procs if _alive(p)]


def _wait_gone(alive: Callable[[], list[psutil.Process]], deadline: float
               ) -> list[psutil.Process]:
    """Wait until `alive()` is empty, or `deadline` (monotonic); those still there."""
    procs = alive()
    while procs and time.monotonic() < deadline:
        time.sleep(POLL)
        procs = alive()
    return procs
