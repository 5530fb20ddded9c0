"""Who has a run, decided in Redis in one step (app/remote/wire.py): a worker takes a run
once (a copy Celery redelivers is dropped), never after the engine gave it up, and the
run's secrets are read and gone in the same step."""

from __future__ import annotations

import json

from app.remote import broker, wire
from tests.support.redis import RedisServer


def keys(kinds: tuple[str, ...], celery_id: str) -> list[str]:
    return [broker.key(k, celery_id) for k in kinds]


def test_a_run_is_taken_once_with_its_secrets_and_never_after_it_was_given_up(
        redis_server: RedisServer) -> None:
    client = broker.redis_client(redis_server.url)
    take = client.register_script(wire.TAKE)
    give_up = client.register_script(wire.GIVE_UP)
    taking = ("ended", "taken", "beat", "secret")
    client.set(broker.key("secret", "a"), json.dumps({"TOKEN": "v"}))
    first = take(keys=keys(taking, "a"), args=["w1", 3000, 60])
    assert first[0] == 2 and json.loads(first[1]) == {"TOKEN": "v"}
    assert client.get(broker.key("secret", "a")) is None  # read once, then gone
    assert client.pttl(broker.key("beat", "a")) > 0
    assert take(keys=keys(taking, "a"), args=["w2", 3000, 60]) == [1]  # a redelivered copy
    assert give_up(keys=keys(("ended", "taken", "secret"), "a"), args=[60]) == 1  # was taken
    client.set(broker.key("secret", "b"), "{}")
    assert give_up(keys=keys(("ended", "taken", "secret"), "b"), args=[60]) == 0
    assert client.get(broker.key("secret", "b")) is None
    assert take(keys=keys(taking, "b"), args=["w1", 3000, 60]) == [0]  # given up: dropped
    assert client.get(broker.key("taken", "b")) is None
