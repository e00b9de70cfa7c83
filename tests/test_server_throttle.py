"""Throttling failed enrolments, device authentications and supervisor passwords per client address
(issue 9, finding 11): the rule on an injected clock, the app on a moving server clock, and a real
`clerk-server serve` process with clients on loopback addresses of their own."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from app.accounts.demo import DEMO_SUPERVISOR
from app.sync import wire
from server.throttle import DEVICE, ENROLL, PERSON, RULES, Throttle, TooManyAttempts, client_key
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    MutableClock,
    TestClient,
    Window,
    client_fixture,
    decided,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)
from tests.sync_harness import ServerProcess, server_for

SUPERVISOR_LOGIN, _, SUPERVISOR_PASSWORD = DEMO_SUPERVISOR
_addresses = itertools.count(20)


# -- the rule -----------------------------------------------------------------------------------------
def test_failures_block_an_address_for_a_while_and_only_that_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = MutableClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    throttle = Throttle(clock=clock)
    limit, seconds = RULES[PERSON].failures, RULES[PERSON].seconds
    with caplog.at_level(logging.WARNING, logger="clerk.server.throttle"):
        for _ in range(limit - 1):
            throttle.check(PERSON, "10.1.2.3")
            throttle.failed(PERSON, "10.1.2.3", tried="login zhuren")
        throttle.check(PERSON, "10.1.2.3")  # still allowed: one below the limit
        throttle.failed(PERSON, "10.1.2.3", tried="login zhuren")
        with pytest.raises(TooManyAttempts) as blocked:
            throttle.check(PERSON, "10.1.2.3")
        assert blocked.value.retry_after == seconds and "分钟后再试" in blocked.value.message
        throttle.failed(PERSON, "10.1.2.3", tried="login zhuren")  # a racing late failure: still one block
        throttle.check(PERSON, "10.1.2.4")  # another address goes on
        throttle.check(DEVICE, "10.1.2.3")  # and so does another kind from this address
        clock.advance(seconds=seconds - 1)
        with pytest.raises(TooManyAttempts) as still:
            throttle.check(PERSON, "10.1.2.3")
        assert still.value.retry_after == 1
        clock.advance(seconds=1)
        throttle.check(PERSON, "10.1.2.3")  # served its time
        throttle.failed(PERSON, "10.1.2.3", tried="login zhuren")
        throttle.check(PERSON, "10.1.2.3")  # counting starts afresh
    [warning] = caplog.records
    assert "10.1.2.3" in warning.getMessage() and "login zhuren" in warning.getMessage()


def test_old_failures_fall_out_of_the_window() -> None:
    clock = MutableClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    throttle = Throttle(clock=clock)
    rule = RULES[ENROLL]
    for _ in range(rule.failures * 3):  # steadily, slower than the limit: never blocked
        throttle.failed(ENROLL, "10.0.0.9", tried="enrolment code")
        clock.advance(seconds=rule.seconds / (rule.failures - 1))
        throttle.check(ENROLL, "10.0.0.9")


def test_an_ipv6_client_is_counted_by_its_network() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:10.0.0.1") == "10.0.0.1"
    assert client_key(None) == "unknown"


# -- the app, on a server clock that moves ------------------------------------------------------------
def test_the_app_answers_429_with_retry_after_until_the_block_ends(
    client: TestClient, server_app: FastAPI, server_clock: MutableClock
) -> None:
    window = enroll(client, server_app)
    bad = {"Authorization": f"Bearer {window.device_id}.wrong"}
    for _ in range(RULES[DEVICE].failures):
        assert client.get(wire.PULL_PATH, headers=bad).status_code == 401
    for headers in (bad, window.headers):  # blocked: not even a good credential is looked at
        answer = client.get(wire.PULL_PATH, headers=headers)
        assert answer.status_code == 429 and answer.json()["error"] == "too_many_attempts"
        assert answer.headers["Retry-After"] == str(RULES[DEVICE].seconds)
    server_clock.advance(seconds=RULES[DEVICE].seconds - 30)
    assert client.get(wire.PULL_PATH, headers=window.headers).headers["Retry-After"] == "30"
    server_clock.advance(seconds=30)
    assert client.get(wire.PULL_PATH, headers=window.headers).status_code == 200


# -- a real server process ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from server_for("sqlite", tmp_path_factory.mktemp("throttle"))


Clients = Callable[[], tuple[httpx.Client, str]]


@pytest.fixture
def from_address(server: ServerProcess) -> Iterator[Clients]:
    """Makes clients talking to the server each from a loopback address of its own: (client, address)."""
    made: list[httpx.Client] = []

    def client() -> tuple[httpx.Client, str]:
        address = f"127.0.0.{next(_addresses)}"
        transport = httpx.HTTPTransport(local_address=address)
        made.append(httpx.Client(base_url=server.url, timeout=30, transport=transport))
        return made[-1], address

    yield client
    for http in made:
        http.close()


def enrol_body(code: str, window: str) -> dict[str, str]:
    return {"code": code, "window_code": window, "device_name": "窗口电脑"}


def warnings_about(server: ServerProcess, address: str) -> list[str]:
    log = (server.home / "server.log").read_text(encoding="utf-8")
    return [line for line in log.splitlines() if "WARNING" in line and f"{address}:" in line]


def enrol(server: ServerProcess, http: httpx.Client, window: str) -> Window:
    answer = http.post(
        wire.ENROLL_PATH, json=enrol_body(server.enrollment_code(window, hall="SZX01"), window)
    )
    assert answer.status_code == 200, answer.text
    enrolled = wire.EnrollResponse.from_json(answer.json())
    device = Window(enrolled.device_id, enrolled.secret, "SZX01", window, http)
    assert http.post(wire.CONFIRM_PATH, json={}, headers=device.headers).status_code == 200
    return device


def test_guessed_enrolment_codes_are_throttled(server: ServerProcess, from_address: Clients) -> None:
    (guesser, address), (hall_it, _) = from_address(), from_address()
    guesses = [f"ABCD-EFGH-JKMN-{n:04d}" for n in range(RULES[ENROLL].failures)]
    for guess in guesses:
        assert guesser.post(wire.ENROLL_PATH, json=enrol_body(guess, "SZX0141")).status_code == 403
    code = server.enrollment_code("SZX0141", hall="SZX01")
    blocked = guesser.post(wire.ENROLL_PATH, json=enrol_body(code, "SZX0141"))
    assert blocked.status_code == 429 and blocked.json()["error"] == "too_many_attempts"
    assert int(blocked.headers["Retry-After"]) > 0 and "分钟后再试" in blocked.json()["message"]
    # The right code from another address works: the blocked attempt did not use it up.
    assert hall_it.post(wire.ENROLL_PATH, json=enrol_body(code, "SZX0141")).status_code == 200
    [warning] = warnings_about(server, address)
    assert "enroll" in warning and not any(guess in warning for guess in guesses) and code not in warning
    assert not any(guess in (server.home / "server.log").read_text(encoding="utf-8") for guess in guesses)


def test_guessed_device_credentials_are_throttled(server: ServerProcess, from_address: Clients) -> None:
    (guesser, address), (window_pc, _) = from_address(), from_address()
    window = enrol(server, window_pc, "SZX0142")
    wrong = {"Authorization": f"Bearer {window.device_id}.not-the-secret-{'x' * 20}"}
    for _ in range(RULES[DEVICE].failures):
        assert guesser.get(wire.PULL_PATH, headers=wrong).status_code == 401
    for headers in (wrong, window.headers):
        answer = guesser.get(wire.PULL_PATH, headers=headers)
        assert answer.status_code == 429 and re.fullmatch(r"\d+", answer.headers["Retry-After"])
    assert window_pc.get(wire.PULL_PATH, headers=window.headers).status_code == 200  # its own address
    [warning] = warnings_about(server, address)
    assert window.device_id in warning and "not-the-secret" not in warning and window.secret not in warning


def test_guessed_supervisor_passwords_are_throttled_and_sync_goes_on(
    server: ServerProcess, from_address: Clients
) -> None:
    (stolen_pc, address), (supervisor_pc, _) = from_address(), from_address()
    window = enrol(server, stolen_pc, "SZX0143")
    [first] = decided("SZX0143", [1])
    [again] = decided("SZX0143", [1], first_local_seq=2)
    window.push([first])
    window.push([again])
    [conflict] = [c for c in server.admin("conflicts") if c["event_id"] == again.event_id]
    path = wire.CONFLICT_RESOLVE_PATH.format(conflict_id=conflict["id"])

    def attempt(http: httpx.Client, password: str) -> httpx.Response:
        body = {
            "resolution": "经核实以先受理者为准",
            "supervisor_login": SUPERVISOR_LOGIN,
            "supervisor_password": password,
            "device_time": "2026-11-20T03:00:00Z",
        }
        return http.post(path, json=body, headers=window.headers)

    for n in range(RULES[PERSON].failures):
        assert attempt(stolen_pc, f"guess-{n:04d}").status_code == 403
    blocked = attempt(stolen_pc, SUPERVISOR_PASSWORD)  # the right one, too late: not even checked
    assert blocked.status_code == 429 and blocked.json()["error"] == "too_many_attempts"
    assert stolen_pc.get(wire.PULL_PATH, headers=window.headers).status_code == 200  # sync is not blocked
    assert server.admin("conflicts", "--all")[-1]["resolved_at"] is None
    answer = attempt(supervisor_pc, SUPERVISOR_PASSWORD)  # the supervisor, at another PC
    assert answer.status_code == 200, answer.text
    [warning] = warnings_about(server, address)
    assert SUPERVISOR_LOGIN in warning and "guess-" not in warning
    log = (server.home / "server.log").read_text(encoding="utf-8")
    assert SUPERVISOR_PASSWORD not in log and "guess-0000" not in log
