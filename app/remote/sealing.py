"""A run's secrets sealed on their way through Redis to a Celery worker.

The engine seals a run's secret environment with its home's *workers' key* (32 random bytes,
made on first use and kept in the home's keyring slot as a reserved entry, never in the
store); the worker that takes the run opens it. Anyone who reads the broker (a `redis-cli`,
Redis's dump file) sees only the sealed text, which names the key by its id.

    tw1.<key id>.<base64url: 12-byte nonce + AES-256-GCM ciphertext and tag>

The key id is the key's SHA-256, first 8 hex digits: it lets a worker holding several keys
(one per engine's home) pick the right one, and say which it lacks. The run's Celery id is
the associated data: a sealed value moved to another run does not open.

The same key signs each run's whole job (HMAC-SHA-256 with a key derived from it, over the
job's JSON with its keys sorted, and the run's Celery id): a worker runs only a job signed
with a key it has, so whoever can write to the broker cannot make it run a command of their
own, nor change one the engine sent, nor send it again as another run.

    tw1.<key id>.<base64url: HMAC-SHA-256>   (the job's `signature`)

The same key, through keys derived for each use, signs what comes back: each reply of a
worker on the engine's list (a run's start, output, end), numbered within its run so that
one pushed again is heard once (`mark`, `marked`), the engine's answer to a worker that
asks whether to start a run (app/remote/claims.py), and its answer to a Python run's
checkpoint (app/remote/checkpoints.py).

    tw1.<key id>.<number>.<base64url: HMAC-SHA-256>

A worker has the keys given with `--key-file` (the file `tickwork secret workers-key FILE`
writes where the engine runs) and, on the engine's own machine, its home's keyring slot.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets as random
from collections.abc import Mapping, Sequence
from typing import Any

from app.core.errors import ValidationError
from app.secrets import Keyring

ENTRY = "workers-key"  # the home keyring slot's reserved entry (`tickwork:workers-key`)
PREFIX = "tw1"
KEY_BYTES = 32
EXPORT = "`tickwork secret workers-key FILE` where the engine runs"
SIGNATURE = "signature"  # the job's field that carries its signature
NOT_SENT = "not sent by an engine whose key this worker has"
JOBS = b"tickwork: signs runs' jobs"  # what each derived key signs
REPLIES = b"tickwork: signs workers' replies"
ANSWERS = b"tickwork: signs engines' answers"
ACKS = b"tickwork: signs engines' checkpoint answers"


class Unsealable(Exception):
    """A run's sealed secrets this worker cannot open; the message says why and the fix."""


class Unsigned(Exception):
    """A job this worker does not run (not signed with a key it has); the message says why."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def key_text(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def parse_key(text: str) -> bytes | None:
    """A key as `key_text` writes it (surrounding space allowed), else None."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return None
    return key if len(key) == KEY_BYTES else None


def home_key(keyring: Keyring, *, make: bool) -> bytes | None:
    """The home's workers' key from its keyring slot; made (and read back, so that two
    makers agree on the one kept) when there is none and `make`. Raises what the keyring
    raises (SecretStoreUnavailable, a backend's error)."""
    key = parse_key(keyring.get_reserved(ENTRY) or "")
    if key is None and make:
        keyring.set_reserved(ENTRY, key_text(random.token_bytes(KEY_BYTES)))
        key = parse_key(keyring.get_reserved(ENTRY) or "")
    return key


def seal(values: dict[str, str], key: bytes, celery_id: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(values).encode(), celery_id.encode())
    return f"{PREFIX}.{key_id(key)}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def open_sealed(text: str, keys: dict[str, bytes], celery_id: str, worker: str) -> dict[str, str]:
    """The secret environment sealed in `text`, with the key it names among `keys` (by id);
    Unsealable saying what the worker lacks."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    parts = text.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise Unsealable("its secrets came in a form this worker does not read: install the "
                         "same Tickwork version on the engine and the worker")
    kid = parts[1]
    key = keys.get(kid)
    if key is None:
        have = ", ".join(sorted(keys)) or "none"
        raise Unsealable(
            f"its secrets are sealed with the workers' key {kid}, which the worker {worker} "
            f"lacks (it has: {have}): give it the engine's key ({EXPORT}, then "
            "`tickwork worker --key-file FILE`)")
    try:
        raw = base64.urlsafe_b64decode(parts[2].encode("ascii"))
        values = json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], celery_id.encode()))
    except (ValueError, binascii.Error, InvalidTag, UnicodeEncodeError):
        raise Unsealable(f"its sealed secrets do not open with the workers' key {kid}: "
                         "they were altered, or moved from another run") from None
    if not isinstance(values, dict):
        raise Unsealable("its sealed secrets are not a set of variables")
    return {str(k): str(v) for k, v in values.items()}


def _signed_text(job: Mapping[str, Any], celery_id: str) -> bytes:
    """What a job's signature covers: its Celery id and every other field of the job."""
    fields = {k: v for k, v in job.items() if k != SIGNATURE}
    return (f"tickwork job {celery_id}\n".encode()
            + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())


def _mac(key: bytes, purpose: bytes, text: bytes) -> str:
    signing = hmac.new(key, purpose, hashlib.sha256).digest()
    mac = hmac.new(signing, text, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()


def sign(job: Mapping[str, Any], key: bytes, celery_id: str) -> str:
    """The signature of a run's job (every field but `signature`), bound to its Celery id."""
    return f"{PREFIX}.{key_id(key)}.{_mac(key, JOBS, _signed_text(job, celery_id))}"


def _marked_text(fields: Sequence[Any], number: int) -> bytes:
    return (f"{number}\n".encode()
            + json.dumps(list(fields), sort_keys=True, separators=(",", ":")).encode())


def mark(key: bytes, purpose: bytes, fields: Sequence[Any], number: int = 0) -> str:
    """The signature of a reply or an answer (`fields`, JSON), its `number` in its run."""
    mac = _mac(key, purpose, _marked_text(fields, number))
    return f"{PREFIX}.{key_id(key)}.{number}.{mac}"


def marked(text: object, purpose: bytes, fields: Sequence[Any],
           keys: Mapping[str, bytes]) -> int | None:
    """The number `text` signs `fields` with, when it is `mark`'s signature of them by one
    of `keys` (by id); else None (unsigned, another key, altered)."""
    if not isinstance(text, str):
        return None
    parts = text.split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[2].isdecimal():
        return None
    key = keys.get(parts[1])
    if key is None:
        return None
    try:
        good = hmac.compare_digest(mark(key, purpose, fields, int(parts[2])).encode(),
                                   text.encode())
    except (TypeError, ValueError, UnicodeEncodeError):  # (a field JSON cannot say)
        good = False
    return int(parts[2]) if good else None


def signer(job: Mapping[str, Any]) -> str | None:
    """The id of the key a job says it is signed with (not checked), else None."""
    parts = str(job.get(SIGNATURE) or "").split(".")
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def check_signed(job: Mapping[str, Any], celery_id: str, keys: dict[str, bytes],
                 worker: str) -> None:
    """Unsigned, saying why, unless `job` is signed for the run `celery_id` with one of
    `keys` (by id) and unchanged since."""
    have = ", ".join(sorted(keys)) or "none"
    kid = signer(job)
    if kid is None:
        raise Unsigned(f"{NOT_SENT}: it came without a signature (the worker {worker} has "
                       f"the workers' keys: {have})" if job.get(SIGNATURE) is None else
                       f"{NOT_SENT}: its signature is in a form this worker does not read")
    key = keys.get(kid)
    if key is None:
        raise Unsigned(
            f"{NOT_SENT}: it is signed with the workers' key {kid}, which the worker "
            f"{worker} lacks (it has: {have}): give it the engine's key ({EXPORT}, then "
            "`tickwork worker --key-file FILE`)")
    try:
        good = hmac.compare_digest(sign(job, key, celery_id).encode(),
                                   str(job[SIGNATURE]).encode())
    except (TypeError, ValueError, UnicodeEncodeError):  # (a field JSON cannot say)
        good = False
    if not good:
        raise Unsigned(f"{NOT_SENT}: it does not match its signature by the workers' key "
                       f"{kid}: it was altered after its engine sent it, or moved from "
                       "another run")


def loose_key_file(path: str) -> str | None:
    """What to say of a key file other users can read (a copy made under umask 022), else
    None: whoever reads it opens the secrets of the runs it seals."""
    from app.platform.key_files import others_read

    if (mode := others_read(path)) is None:
        return None
    return (f"the key file {path} can be read by other users (mode {mode:04o}): whoever reads "
            f"it opens the secrets of this home's runs in the broker; `chmod 600 {path}`")


def read_key_file(path: str) -> bytes:
    """A key file `tickwork secret workers-key` wrote; ValidationError naming --key-file."""
    try:  # no more than a key and its spaces: `--key-file /dev/zero` read until MemoryError
        with open(path, "rb") as file:
            text = file.read(4096).decode("ascii", errors="replace")
    except OSError as exc:
        raise ValidationError("key-file", f"cannot read {path}: {exc.strerror}") from None
    key = parse_key(text)
    if key is None:
        raise ValidationError("key-file", f"{path} holds no workers' key (write one with "
                              f"{EXPORT})")
    return key
