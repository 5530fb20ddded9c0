"""Which jobs a worker takes, and which replies on an engine's list its workers sent:
anyone who can write to the broker can push onto it, and a reply believed as it is could
end a running run `succeeded`, exit 0, or add output it never wrote.

A worker takes only a job of its own version signed with a key it has (`refused`; one
started `--unsigned` also a job that came unsigned, and only such a one: it could not sign
the replies of another). It signs each reply of the run with that key through a `Pen`,
numbered within the run and bound to the nonce of its claim (app/remote/claims.py).

A run the engine sent signed is heard only through such replies (`Genuine`): one unsigned,
signed otherwise or altered, pushed again (a number already heard), or signed by another
worker than the one told to start it (a copy of its job sent again) is dropped, and the
log says so once per run. The one unsigned reply taken is a refusal from a worker that
cannot sign (it lacks the job's key, or runs another version): it fails the run only while
no worker has taken it, and then no worker takes it (app/remote/wire.py: `REFUSE`), so a
made-up refusal can fail a run not started yet, never end one that runs. A run sent
unsigned (an engine that could not read its key) trusts the broker: its replies are heard
as they come, each with the fields of its kind (app/remote/wire.py: `whole`).

A refusal's words are anyone's (unsigned): the run's error keeps them as data, marked as the
worker's, controls and line breaks escaped (`\\x1b`, `\\u202e`), cut at `WORDS_MAX`
(`worker_words`). A worker from before signed replies sends its replies without a seal
(one field short, app/remote/wire.py: `older`): the engine cannot hear it, and its run
ends when its beat goes, saying its worker runs another version (`lost`) — not "lost". The
run says so from that worker's first reply, where a person looks, while the worker runs its
command unheard. A reply short so of a run a worker of this version claimed or started, or
that no worker took, is made up: dropped as any other not in its worker's form.

The end of a run no longer waited for (a lost run's late result) is checked as the run's
own replies were, against what the engine keeps of the last `SETTLED` runs it settled:
one its worker sent is ignored and audited (`run.result_ignored`); any other (unsigned,
pushed again, of a run not this engine's) is dropped, and said once in the log, so whoever
can write to the broker cannot fill the audit trail.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from app import __version__
from app.core.shown import CONTROLS
from app.engine.attempts import Attempt
from app.remote import broker, claims, sealing, wire

log = logging.getLogger("tickwork.engine")
WORDS_MAX = 500  # characters of a worker's unsigned words kept (anyone's words)
SETTLED = 10_000  # settled runs whose late replies are still checked (the oldest forgotten)
ANSWERED = 10_000  # claims answered, each not answered again (the oldest forgotten)
# what a worker's unsigned words may not do where they are shown: act on a terminal, break
# a line, or turn the text around (CONTROLS holds the bidirectional ones; line and
# paragraph separators)
ESCAPED = {**CONTROLS, 0x09: "\\t", 0x0A: "\\n", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def worker_words(text: Any, room: int = WORDS_MAX) -> str:
    """A worker's unsigned words (anyone who can write to the broker could have written
    them) as data: on one line, nothing a terminal acts on, at most `room` characters."""
    said = str(text).translate(ESCAPED)
    return said if len(said) <= room else said[:room - 1] + "…"


def first(seen: OrderedDict[str, None], item: str, most: int) -> bool:
    """Whether `item` is new to `seen`, which keeps it (the oldest forgotten past `most`)."""
    if item in seen:
        return False
    seen[item] = None
    if len(seen) > most:
        seen.popitem(last=False)
    return True


class Sent(Protocol):
    """A run this engine sent to Celery (client.py's Remote), as far as its replies go."""

    attempt: Attempt
    celery_id: str
    key: bytes | None  # the workers' key its job was signed with (None: sent unsigned)
    heard: int  # the number of the last reply heard
    claimed: str | None  # the nonce of the claim told `go`
    started: bool
    said: bool  # a reply dropped was said in the log
    older: str | None  # its worker's name, when it answers as one from before signed replies


class Pen:
    """How this worker signs one run's replies (`Genuine` hears them): with the
    workers' key that signed its job (None: an unsigned job, unsigned replies), bound to its
    claim's nonce once claimed, numbered in order."""

    def __init__(self, key: bytes | None) -> None:
        self.key = key
        self.nonce = ""  # its claim's, once sent (app/remote/claims.py)
        self.number = 0

    def seal(self, message: list[Any]) -> str | None:
        """The next reply's seal (called in the order the replies go)."""
        if self.key is None:
            return None
        self.number += 1
        return sealing.mark(self.key, sealing.REPLIES, [self.nonce, *message], self.number)


def refused(job: dict[str, Any], celery_id: str, host: str,
            keys: Callable[[str | None], dict[str, bytes]], *, unsigned: bool
            ) -> tuple[str, str] | None:
    """Why the worker `host` does not take `job`, for its log and for the run, else None:
    sent by another version (its fields may mean other things here), or not signed with one
    of its `keys` (given the id the job names) — a worker started `--unsigned` runs a job
    that came unsigned too, and only such a job: it cannot sign the replies of another."""
    version = job.get("version")
    if version != __version__:
        return (f"sent by Tickwork {version or 'older than 0.1.0'}",
                f"the worker {host} runs Tickwork {__version__}, this engine "
                f"{version or 'an older one'}: install the same version on both")
    if unsigned and job.get(sealing.SIGNATURE) is None:
        return None
    try:
        sealing.check_signed(job, celery_id, keys(sealing.signer(job)), host)
    except sealing.Unsigned as exc:
        return str(exc), f"not run: {exc}"
    return None


class Telling(Protocol):
    """Where the engine says what it did not hear (client.py's RemoteSink)."""

    def on_ignored_result(self, run_id: int, detail: dict[str, Any]) -> None: ...
    def on_note(self, attempt: Attempt, old: str | None, new: str) -> None: ...


def unheard(worker: str) -> str:
    """Why the run of a worker from before signed replies is not heard, on the run."""
    return (f"not heard: the Celery worker {worker} runs another version of Tickwork, from "
            "before its replies were signed: install the same version on both")


class Genuine:
    """The checks of one engine's replies; `sent` tells it each key its runs are signed
    with (a claim of a run no longer waited for is answered with it)."""

    def __init__(self, redis: Any, sink: Telling) -> None:
        self.redis = redis
        self.sink = sink
        self.refuse = redis.register_script(wire.REFUSE)
        self.keys: dict[str, bytes] = {}
        self.stray_said = self.late_said = self.not_ours_said = False
        self.lock = threading.Lock()  # (runs are settled from the sender thread too)
        # the settled runs: their key, their claim's nonce, the number of the last reply heard
        self.settled_runs: OrderedDict[str, tuple[bytes | None, str, int]] = OrderedDict()
        # the claims answered ("<celery id>.<nonce>"), and the runs a `no` was said of
        self.answered: OrderedDict[str, None] = OrderedDict()
        self.told: OrderedDict[str, None] = OrderedDict()

    def sent(self, key: bytes | None) -> None:
        if key is not None:
            self.keys.setdefault(sealing.key_id(key), key)

    def heard(self, remote: Sent, body: list[Any], seal: Any) -> bool:
        """Whether to hear this reply about `remote` (`body`: the reply without its seal):
        signed by the worker told to start it (its claim's nonce), or by the one that took
        it and has not claimed it yet (a failure of its own). A reply without the fields of
        its kind, or with one that is not what a worker sends there (`wire.fits`), is not
        heard (a run sent unsigned read one, and failed on it), nor one of a worker from
        before signed replies (`_older`)."""
        if not wire.whole(body):
            if not (wire.older(body) and self._older(remote)):
                self._drop(remote, body, "not in its worker's form")
            return False
        if remote.key is None:  # sent unsigned: the broker is trusted, for a reply that fits
            if fits := wire.fits(body):
                return fits
            self._drop(remote, body, "not in its worker's form")
            return False
        number = self._number(remote.key, remote.claimed or "", body, seal)
        if number is not None and number > remote.heard:
            if not wire.fits(body):  # (its worker's, yet not as it words it: a bug's)
                self._drop(remote, body, "not in its worker's form")
                return False
            remote.heard = number
            return True
        if seal is None and self._refusal(remote, body):  # its words alone are heard: no
            body[5] = body[7] = body[8] = None  # exit code, time or checkpoint of a sender's
            body[6] = f"refused by a worker, in its words (unsigned): “{worker_words(body[6])}”"
            return True
        self._drop(remote, body, "pushed again" if number is not None else
                   "unsigned" if seal is None else "not signed by the worker running it")
        return False

    @staticmethod
    def _number(key: bytes, nonce: str, body: list[Any], seal: Any) -> int | None:
        return sealing.marked(seal, sealing.REPLIES, [nonce, *body],
                              {sealing.key_id(key): key})

    @staticmethod
    def _drop(remote: Sent, body: list[Any], why: str) -> None:
        if not remote.said:
            remote.said = True
            log.warning("run %d: a reply about it that its worker did not send was dropped "
                        "(%s, %s): whoever can write to the broker pushed it (said once a "
                        "run)", remote.attempt.run_id, body[0], why)

    def _refusal(self, remote: Sent, body: list[Any]) -> bool:
        """An unsigned refusal of a run no worker has taken (then none will)."""
        if (body[0] != "done" or len(body) < 9 or body[4] != "failed" or remote.started
                or remote.claimed is not None):
            return False
        keys = [broker.key(k, remote.celery_id) for k in ("ended", "taken", "secret")]
        return not self.refuse(keys=keys, args=[broker.KEEP])

    def answer(self, remote: Sent | None, body: list[Any], seal: Any) -> None:
        """A worker's claim of a run: `go` for the first of a run waited for, else `no`.
        Each claim is answered once (one pushed again is dropped unread), a `no` said in the
        log once a run: whoever can write to the broker could push a claim a million times."""
        celery_id, nonce = str(body[1]), str(body[4]) if len(body) > 4 else ""
        if f"{celery_id}.{nonce}" in self.answered:
            return  # pushed again: answered already
        if remote is not None:
            if remote.key is None:
                return  # sent unsigned: no worker asks
            number = self._number(remote.key, nonce, body, seal)
            if number is None:
                return self._drop(remote, body, "not signed by a worker")
            if remote.claimed == nonce:
                return  # its own claim pushed again: answered already
            verdict = claims.GO if remote.claimed is None and not remote.started else claims.NO
            if verdict == claims.GO:
                remote.claimed, remote.heard = nonce, number
            key = remote.key
        else:
            kid = str(seal).split(".")[1] if str(seal).count(".") == 3 else ""
            key = self.keys.get(kid, b"")
            if not key or self._number(key, nonce, body, seal) is None:
                if not self.stray_said:
                    self.stray_said = True
                    log.warning("a claim of a run not signed by a worker of this engine's "
                                "was dropped: whoever can write to the broker pushed it")
                return
            verdict = claims.NO
        first(self.answered, f"{celery_id}.{nonce}", ANSWERED)
        if verdict == claims.NO and first(self.told, celery_id, ANSWERED):
            log.warning(("run %s (%s): a worker asked to start it again, and was told not to: "
                         "a copy of its job sent again through the broker (said once a run)")
                        if remote is not None else
                        ("run %s (%s): a worker asked to start it, which this engine does not "
                         "wait for (it ended, or this engine never sent it): told not to "
                         "(said once a run)"), body[2], celery_id)
        claims.answer(self.redis, celery_id, nonce, verdict, key)

    def _older(self, remote: Sent) -> bool:
        """Whether a reply about `remote` in the form of a worker from before signed replies
        is one's: a worker took the run, and none of this version claimed or started it. Its
        worker is named once, in the log and on the run where a person looks (it runs the
        command to its end unheard), as the run says once it ends (`lost`)."""
        if remote.older is not None:
            return True
        if remote.claimed is not None or remote.started:
            return False  # a worker of this version has it: made up
        try:
            taken = self.redis.get(broker.key("taken", remote.celery_id))
        except Exception:  # (the reader says the broker's outage)
            taken = b"that took it"
        if taken is None:
            return False  # no worker took it: made up
        host = taken.decode("utf-8", "replace") if isinstance(taken, bytes) else str(taken)
        remote.older, remote.said = worker_words(host, 100), True
        log.warning("run %d: its Celery worker %s runs another version of Tickwork, one from "
                    "before signed replies: its replies are not heard; install the same "
                    "version on both", remote.attempt.run_id, remote.older)
        self.sink.on_note(remote.attempt, None, unheard(remote.older))
        return True

    @staticmethod
    def lost(remote: Sent) -> str:
        """Why a run whose worker stopped beating ended: lost, or not heard at all."""
        return ("the Celery worker running it was lost" if remote.older is None
                else unheard(remote.older))

    def settled(self, remote: Sent) -> None:
        """The engine no longer waits for `remote`: a late reply is checked as its own were."""
        with self.lock:
            self.settled_runs[remote.celery_id] = (remote.key, remote.claimed or "",
                                                   remote.heard)
            if len(self.settled_runs) > SETTLED:
                self.settled_runs.popitem(last=False)

    def _late_genuine(self, message: list[Any], seal: Any) -> bool:
        """Whether a run's end heard after it was settled is its worker's, heard once."""
        with self.lock:
            kept = self.settled_runs.get(str(message[1]))
            if kept is None:
                return False
            key, nonce, heard = kept
            if key is None:
                return True  # sent unsigned: the broker is trusted
            number = self._number(key, nonce, message, seal)
            if number is None or number <= heard:
                return False
            self.settled_runs[str(message[1])] = (key, nonce, number)
            return True

    def not_ours(self, what: Any) -> None:
        """A push onto the reply list that is no reply of a Tickwork worker: dropped, said
        once (whoever can write to the broker could push a million)."""
        if not self.not_ours_said:
            self.not_ours_said = True
            log.warning("a reply that is not Tickwork's was dropped: %r (said once: whoever "
                        "can write to the broker pushed it)", what)

    def late(self, message: list[Any], seal: Any) -> None:
        """A run's end heard after the engine settled it: ignored, and audited
        (`run.result_ignored`) when its worker sent it; else dropped, said once."""
        if not (wire.whole(message) and wire.fits(message)) or not self._late_genuine(
                message, seal):
            if not self.late_said:
                self.late_said = True
                log.warning("the end of a run this engine does not wait for, which its worker "
                            "did not send, was dropped (%r): whoever can write to the broker "
                            "pushed it (said once)", message[:5])
            return
        _kind, celery_id, run_id, attempt, status, code = message[:6]
        if not isinstance(run_id, int):  # (not a run's: a made-up reply, or a refused job's)
            return self.not_ours(message[:4])
        log.warning("run %s attempt %s: a result from Celery (%s) came after the run was "
                    "settled; ignored", run_id, attempt, status)
        self.sink.on_ignored_result(int(run_id), {
            "celery_id": celery_id, "attempt": attempt, "status": status, "exit_code": code})
