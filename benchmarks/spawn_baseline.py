"""The yardstick for starting commands: how fast this machine starts `/bin/true` from a small
process, with nothing of Tickwork around it.

The issue's target for commands is a ratio of this figure ("starts per second ≥ 75 % of a
bare `posix_spawn` loop on the same machine"), so `make bench` runs it in the same run as the
engine's command case. Each method keeps up to `--inflight` children going at once (as the
engine does) and reaps them as they exit; a start counts once its child has exited and been
reaped, with its stdout and stderr pipes read to the end where the method has pipes:

* `posix_spawn` — `os.posix_spawn` with no pipes, its own session (`setsid`): the bare loop;
* `posix_spawn_pipes` — the same with a stdout and a stderr pipe and /dev/null as stdin,
  read through one epoll loop with a pidfd per child (what a launcher has to do);
* `popen` / `popen_session` / `popen_session_close_fds` — `subprocess.Popen` with pipes,
  without and with `start_new_session` and `close_fds` (what the engine did per run).
"""

from __future__ import annotations

import argparse
import os
import selectors
import subprocess
import time
from collections.abc import Callable
from typing import Any

from benchmarks._common import emit, environment_info, log

TRUE = "/bin/true"


def _reap_any(live: set[int]) -> None:
    pid, _status = os.waitpid(-1, 0)
    live.discard(pid)


def bare(seconds: float, inflight: int) -> int:
    """posix_spawn with its own session and no pipes; reaped with waitpid."""
    env = {"PATH": os.environ.get("PATH", os.defpath)}
    live: set[int] = set()
    count = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        while len(live) >= inflight:
            _reap_any(live)
            count += 1
        live.add(os.posix_spawn(TRUE, [TRUE], env, setsid=True))
    while live:
        _reap_any(live)
        count += 1
    return count


def with_pipes(seconds: float, inflight: int) -> int:
    """posix_spawn with stdout/stderr pipes and stdin from /dev/null, one epoll loop."""
    env = {"PATH": os.environ.get("PATH", os.defpath)}
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    sel = selectors.DefaultSelector()
    open_fds: dict[int, int] = {}  # pid -> fds still open (2 pipes + pidfd)
    count = 0
    end = time.perf_counter() + seconds

    def spawn() -> None:
        out_r, out_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        err_r, err_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                   (os.POSIX_SPAWN_DUP2, err_w, 2)]
        pid = os.posix_spawn(TRUE, [TRUE], env, file_actions=actions, setsid=True)
        os.close(out_w)
        os.close(err_w)
        pidfd = os.pidfd_open(pid)
        open_fds[pid] = 3
        sel.register(out_r, selectors.EVENT_READ, (pid, "pipe"))
        sel.register(err_r, selectors.EVENT_READ, (pid, "pipe"))
        sel.register(pidfd, selectors.EVENT_READ, (pid, "exit"))

    def done(fd: int, pid: int) -> int:
        sel.unregister(fd)
        os.close(fd)
        open_fds[pid] -= 1
        if open_fds[pid] == 0:
            del open_fds[pid]
            return 1
        return 0

    while True:
        now = time.perf_counter()
        while now < end and len(open_fds) < inflight:
            spawn()
        if not open_fds:
            break
        for key, _ in sel.select(0.1):
            pid, kind = key.data
            fd = int(key.fd)
            if kind == "exit":
                os.waitpid(pid, 0)
                count += done(fd, pid)
            elif not os.read(fd, 65536):
                count += done(fd, pid)
    sel.close()
    os.close(null)
    return count


def popen(seconds: float, inflight: int, **options: Any) -> int:
    """subprocess.Popen with pipes, waited for in start order."""
    live: list[subprocess.Popen[bytes]] = []
    count = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or live:
        if time.perf_counter() < end and len(live) < inflight:
            live.append(subprocess.Popen([TRUE], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         **options))
            continue
        proc = live.pop(0)
        proc.communicate()
        count += 1
    return count


METHODS: dict[str, Callable[[float, int], int]] = {
    "posix_spawn": bare,
    "posix_spawn_pipes": with_pipes,
    "popen": lambda s, n: popen(s, n, close_fds=False),
    "popen_session": lambda s, n: popen(s, n, close_fds=False, start_new_session=True),
    "popen_session_close_fds": lambda s, n: popen(s, n, close_fds=True,
                                                  start_new_session=True),
}


def measure(name: str, seconds: float, inflight: int) -> dict[str, Any]:
    cpu0 = os.times()
    t0 = time.perf_counter()
    count = METHODS[name](seconds, inflight)
    wall = time.perf_counter() - t0
    cpu1 = os.times()
    own = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    children = (cpu1.children_user - cpu0.children_user) + (
        cpu1.children_system - cpu0.children_system)
    return {"starts": count, "seconds": round(wall, 3), "per_s": round(count / wall, 1),
            "cpu_cores_parent": round(own / wall, 2),
            "cpu_cores_children": round(children / wall, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="per method")
    parser.add_argument("--inflight", type=int, default=8,
                        help="children alive at once (default: %(default)s)")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--quick", action="store_true", help="1 s per method")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    seconds = 1.0 if args.quick else args.seconds
    results = {}
    for name in args.methods.split(","):
        results[name] = measure(name, seconds, args.inflight)
        log(f"{name}: {results[name]}")
    emit({"benchmark": "spawn_baseline", "command": TRUE, "inflight": args.inflight,
          "seconds_per_method": seconds, "bare_per_s": results.get("posix_spawn", {}).get(
              "per_s"), "environment": environment_info(), "results": results}, args.out)


if __name__ == "__main__":
    main()
