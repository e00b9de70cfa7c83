"""Accounts over the API (server.routes.accounts), on SQLite and PostgreSQL: hall IT manages only its own
hall's accounts with its own password and the `it` role; a person changes their own password (a temporary
one first); bad input is refused with a clear message and changes nothing; failures are throttled."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.accounts import verify_password
from app.sync import wire
from app.sync.account_wire import AccountEntry, AccountRequest
from server import accounts
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    MutableClock,
    TestClient,
    Window,
    client_fixture,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

IT_PASSWORD = "it-own-pass-1"


def add(app: FastAPI, login: str, roles: list[str], *, hall: str = "SZX01", days: int | None = 3) -> None:
    accounts.add_account(
        app.state.db,
        hall_code=hall,
        login=login,
        name="李工" if "it" in roles else "王芳",
        roles=roles,
        password=IT_PASSWORD if days is None else "temp-pass-1",
        now=app.state.clock(),
        valid_days=days,
    )


@pytest.fixture
def window(client: TestClient, server_app: FastAPI) -> Window:
    """A window of SZX01, whose hall has an IT person (it.li) and a clerk (wang.fang, temporary password)."""
    add(server_app, "it.li", ["it"], days=None)
    add(server_app, "wang.fang", ["clerk"])
    return enroll(client, server_app)


def post(window: Window, path: str, body: dict[str, Any]) -> httpx.Response:
    response: httpx.Response = window.http.post(path, json=body, headers=window.headers)
    return response


def it_body(**fields: Any) -> dict[str, Any]:
    return AccountRequest(it_login="it.li", it_password=IT_PASSWORD, **fields).to_json()


def hall_list(window: Window) -> dict[str, dict[str, Any]]:
    answer = post(window, wire.ACCOUNTS_LIST_PATH, it_body())
    assert answer.status_code == 200, answer.text
    return {a["login"]: a for a in answer.json()["accounts"]}


def pulled_lists(window: Window) -> list[dict[str, AccountEntry]]:
    from app.sync.account_wire import read_snapshot

    return [
        {e.login: e for e in read_snapshot(c.payload)}
        for c in window.pull_all()
        if c.kind == wire.KIND_ACCOUNTS
    ]


def test_hall_it_manages_its_halls_accounts(window: Window) -> None:
    added = post(
        window, wire.ACCOUNT_ADD_PATH, it_body(login="li.na", name="李娜", roles=("clerk", "approver"))
    )
    assert added.status_code == 200, added.text
    temporary = added.json()["temporary_password"]  # made by the server, answered once
    disabled = post(window, wire.ACCOUNT_ACTION_PATH.format(login="wang.fang", action="disable"), it_body())
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    roles = post(
        window, wire.ACCOUNT_ACTION_PATH.format(login="li.na", action="roles"), it_body(roles=("issuer",))
    )
    assert roles.json()["roles"] == ["issuer"] and "password_hash" not in roles.json()
    reset = post(
        window,
        wire.ACCOUNT_ACTION_PATH.format(login="wang.fang", action="reset-password"),
        it_body(temporary_password="another-temp-1", valid_days=1),
    )
    assert reset.status_code == 200 and "temporary_password" not in reset.json()
    listed = hall_list(window)
    assert listed["wang.fang"]["enabled"] is False and listed["wang.fang"]["temporary"]
    assert listed["li.na"]["roles"] == ["issuer"]
    lists = pulled_lists(window)
    assert verify_password(temporary, lists[-3]["li.na"].password_hash)
    assert verify_password("another-temp-1", lists[-1]["wang.fang"].password_hash)
    assert not lists[-1]["wang.fang"].enabled


@pytest.mark.parametrize(
    ("who", "password", "status", "code"),
    [
        ("wang.fang", "temp-pass-1", 403, "role_missing"),  # a person without `it`
        ("it.zhao", IT_PASSWORD, 403, "account_refused"),  # IT of another hall
        ("it.li", "wrong-pass-1", 403, "account_refused"),
    ],
)
def test_only_hall_it_of_the_devices_hall_manages(
    window: Window, server_app: FastAPI, who: str, password: str, status: int, code: str
) -> None:
    add(server_app, "it.zhao", ["it"], hall="SZX02", days=None)
    body = AccountRequest(it_login=who, it_password=password).to_json()
    answer = post(window, wire.ACCOUNT_ACTION_PATH.format(login="wang.fang", action="disable"), body)
    assert (answer.status_code, answer.json()["error"]) == (status, code)
    assert hall_list(window)["wang.fang"]["enabled"] is True


@pytest.mark.parametrize(
    ("path", "fields", "status", "fragment"),
    [
        (wire.ACCOUNT_ACTION_PATH.format(login="nobody", action="disable"), {}, 404, "没有账号“nobody”"),
        (
            wire.ACCOUNT_ACTION_PATH.format(login="wang.fang", action="delete"),
            {},
            404,
            "没有账号操作“delete”",
        ),
        (
            wire.ACCOUNT_ACTION_PATH.format(login="wang.fang", action="roles"),
            {"roles": ("boss",)},
            400,
            "角色“boss”无效",
        ),
        (
            wire.ACCOUNT_ACTION_PATH.format(login="it.li", action="disable"),
            {},
            409,
            "唯一启用的系统管理员账号",
        ),
        (
            wire.ACCOUNT_ADD_PATH,
            {"login": "wang.fang", "name": "王芳", "roles": ("clerk",)},
            409,
            "已有账号 wang.fang",
        ),
        (
            wire.ACCOUNT_ADD_PATH,
            {"login": "Wang Fang", "name": "王芳", "roles": ("clerk",)},
            400,
            "账号“Wang Fang”无效",
        ),
    ],
)
def test_bad_requests_of_hall_it_change_nothing(
    window: Window, path: str, fields: dict[str, Any], status: int, fragment: str
) -> None:
    before = len(pulled_lists(window))
    answer = post(window, path, it_body(**fields))
    assert answer.status_code == status and fragment in answer.json()["message"], answer.text
    assert len(pulled_lists(window)) == before


def change(window: Window, password: str, new_password: str, login: str = "wang.fang") -> httpx.Response:
    return post(
        window,
        wire.PASSWORD_CHANGE_PATH,
        {"login": login, "password": password, "new_password": new_password},
    )


def test_a_person_changes_a_temporary_password(window: Window, server_clock: MutableClock) -> None:
    for password, new, status, fragment in [
        ("wrong-pass-1", "my-own-pass-1", 403, "账号或密码不正确"),
        ("temp-pass-1", "short", 400, "新密码至少 8 位"),
        ("temp-pass-1", "wang.fang", 400, "新密码不能与账号相同"),
    ]:
        answer = change(window, password, new)
        assert answer.status_code == status and fragment in answer.json()["message"], answer.text
    answer = change(window, "temp-pass-1", "my-own-pass-1")
    assert answer.status_code == 200, answer.text
    entry = AccountEntry.read(answer.json()["account"])
    assert entry.temporary_until is None and verify_password("my-own-pass-1", entry.password_hash)
    assert pulled_lists(window)[-1]["wang.fang"].password_hash == entry.password_hash
    assert change(window, "temp-pass-1", "other-pass-1").status_code == 403  # the temporary one is gone


def test_an_expired_temporary_password_gets_its_own_refusal(
    window: Window, server_clock: MutableClock
) -> None:
    server_clock.advance(days=3, seconds=1)
    answer = change(window, "temp-pass-1", "my-own-pass-1")
    assert (answer.status_code, answer.json()["error"]) == (403, "temporary_expired")
    assert "临时密码已过期，请信息技术人员重置" in answer.json()["message"]
    # A wrong password for it still reads as any refusal: expiry is told only to who knows the password.
    assert change(window, "wrong-pass-1", "my-own-pass-1").json()["error"] == "account_refused"


def test_a_10_mb_password_is_refused_before_anything_is_hashed(window: Window) -> None:
    huge = "长" * (10 * 1024 * 1024 // 3)
    for path, body in [
        (wire.PASSWORD_CHANGE_PATH, {"login": "wang.fang", "password": huge, "new_password": "x"}),
        (
            wire.ACCOUNT_ADD_PATH,
            it_body(login="li.na", name="李娜", roles=("clerk",), temporary_password=huge),
        ),
    ]:
        answer = post(window, path, body)
        assert (answer.status_code, answer.json()["error"]) == (413, "too_large")
    long = change(window, "temp-pass-1", "长" * 257)
    assert long.status_code == 400 and "new_password 超过 256 个字符" in long.json()["message"]


def test_failed_passwords_are_throttled(window: Window) -> None:
    for _ in range(5):
        assert change(window, "wrong-pass-1", "my-own-pass-1").status_code == 403
    blocked = change(window, "temp-pass-1", "my-own-pass-1")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_rehash_answers_nothing_to_do_for_todays_hash(window: Window, server_clock: MutableClock) -> None:
    server_clock.advance(seconds=1)
    answer = post(window, wire.PASSWORD_REHASH_PATH, {"login": "it.li", "password": IT_PASSWORD})
    assert answer.status_code == 200 and answer.json()["changed"] is False
