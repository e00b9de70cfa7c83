"""The server's side of the online hand-off (server.helper_keys, server.helper_drafts) on SQLite and
PostgreSQL: a PC's published key is registered only when it checks, and goes to every window of the hall;
a draft is kept only when its signed reference, its content, its helper and its item check; revoking the
PC revokes its window's keys for the hall's windows. Every bad input: refused with a message naming it,
nothing stored."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.accounts.demo import DEMO_ACCOUNTS
from app.catalog import parse_catalog
from app.catalog_store import demo_catalog_bytes
from app.helpers.drafts import Draft, canonical_bytes, prepare_draft
from app.helpers.handoff import reference_code
from app.intake import parse_request
from app.seal import OfficeKey
from app.sync import wire
from server import accounts, admin, reference
from server.models import helper_draft, signing_key
from tests.helpers import PERSON, PLANNING, request_json
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    OFFICE_CODE,
    START,
    TestClient,
    Window,
    client_fixture,
    enroll,
    key_entry,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
    window_key,
)

LAPTOP = "SZX0109"
ELSEWHERE_BODY = "11510100MB1Z00001X"  # no body of the demo hall


@pytest.fixture(name="laptop")
def laptop_fixture(client: TestClient) -> Window:
    """The demo catalog published, the demo hall's people known, and the helper's laptop enrolled."""
    db = client.app.state.db  # type: ignore[attr-defined]
    reference.publish_catalog(db, demo_catalog_bytes(), now=START)
    people = [("SZX01", login, name, password, role) for (login, name, password), role in DEMO_ACCOUNTS]
    accounts.ensure_accounts(db, [p for p in people if p[1] in ("bangban", "shenpi")], now=START)
    return enroll(client, client.app, window=LAPTOP)  # type: ignore[attr-defined]


def publish(window: Window, keys: list[Any]) -> Any:
    response = window.http.post(wire.KEYS_PUBLISH_PATH, json={"keys": keys}, headers=window.headers)
    assert response.status_code == 200, response.text
    return response.json()


def registered_ids(client: TestClient) -> set[str]:
    with client.app.state.db.read() as connection:  # type: ignore[attr-defined]
        return set(connection.execute(select(signing_key.c.key_id)).scalars())


def other_office_key() -> tuple[OfficeKey, dict[str, Any]]:
    key = OfficeKey.generate(key_id=f"{ELSEWHERE_BODY[8:17]}-{LAPTOP}-Z", office_code=ELSEWHERE_BODY)
    return key, {**key_entry(key), "office_code": ELSEWHERE_BODY}


def test_a_published_key_is_registered_only_when_it_checks(client: TestClient, laptop: Window) -> None:
    own = window_key(LAPTOP, suffix="H1")
    counter = enroll(client, client.app, window="SZX0103")  # type: ignore[attr-defined]
    assert publish(laptop, [key_entry(own)]) == {"registered": [own.key_id], "held": [], "refused": []}
    assert publish(laptop, [key_entry(own)]) == {"registered": [], "held": [own.key_id], "refused": []}
    pulled = [c for c in counter.pull_all() if c.kind == wire.KIND_SIGNING_KEY]
    assert [(c.key, c.payload["window_code"], c.payload["hall_code"]) for c in pulled] == [
        (own.key_id, LAPTOP, "SZX01")
    ]

    clash = window_key(LAPTOP, suffix="H2")
    invalid, later, clashing = (
        wire.HelperRefusal.INVALID,
        wire.HelperRefusal.KEY_NOT_YET_VALID,
        wire.HelperRefusal.KEY_CLASH,
    )
    bad: list[tuple[dict[str, Any], str, wire.HelperRefusal]] = [
        (key_entry(window_key("SZX0104", suffix="H3")), "不是本设备登记的窗口 SZX0109", invalid),
        (other_office_key()[1], "不是大厅 SZX01 受理事项的实施机关", wire.HelperRefusal.NOT_HALL_BODY),
        ({**key_entry(clash), "public_key": "zz"}, "公钥", invalid),
        ({**key_entry(clash), "algorithm": "SM2"}, "“SM2”不受支持", invalid),
        (key_entry(clash, valid_from=START.date() + timedelta(days=30)), "晚于服务器日期", later),
        ({**key_entry(clash), "valid_until": "2020-01-02"}, "早于开始日", invalid),
        ({**key_entry(clash), "office_name": ""}, "机关名称", invalid),
        ({**key_entry(clash), "key_id": own.key_id}, "已在服务器登记了另一把公钥", clashing),
        ({**key_entry(clash), "extra": 1}, "未知字段", invalid),
    ]
    answer = publish(laptop, [entry for entry, _why, _reason in bad])
    assert answer["registered"] == [] and answer["held"] == []
    refusals = [(r["message"], r["reason"]) for r in answer["refused"]]
    assert len(refusals) == len(bad)
    for _entry, why, reason in bad:  # each with its reason: only a key starting too late may yet be taken
        assert any(why in message and code == reason for message, code in refusals), why
    assert [wire.helper_refusal_is_final(code) for _m, code in refusals].count(False) == 1
    assert registered_ids(client) == {own.key_id}
    # A key registered to this window by another PC is never taken over by a PC of another window.
    other = enroll(client, client.app, window="SZX0104")  # type: ignore[attr-defined]
    refused = publish(other, [key_entry(own)])["refused"]
    assert len(refused) == 1 and "不是本设备登记的窗口 SZX0104" in refused[0]["message"]

    too_many = laptop.http.post(
        wire.KEYS_PUBLISH_PATH, json={"keys": [{}] * (wire.MAX_PUBLISHED_KEYS + 1)}, headers=laptop.headers
    )
    assert too_many.status_code == 400 and "一次最多" in too_many.json()["message"]


def a_draft(*, device: str = LAPTOP, login: str = "bangban", name: str = "孙丽") -> Draft:
    document = parse_catalog(demo_catalog_bytes())
    item = next(i for i in document.items if i.code == PLANNING)
    hall = next(h for h in document.halls if h.code == "SZX01")
    request = parse_request(request_json(item, applicant=PERSON, agent=None))
    now = datetime(2026, 11, 20, 2, tzinfo=UTC)
    return prepare_draft(
        request, item=item, hall=hall, helper_login=login, helper_name=name, device=device, now=now
    ).draft


def send(window: Window, draft: Draft, key: OfficeKey, *, content: bytes | None = None) -> Any:
    body = {
        "draft": (content or canonical_bytes(draft)).decode("utf-8"),
        "code": reference_code(draft, key=key),
    }
    return window.http.post(wire.DRAFTS_PATH, json=body, headers=window.headers)


def drafts_held(client: TestClient) -> int:
    with client.app.state.db.read() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(select(func.count()).select_from(helper_draft)).scalar_one())


def test_a_draft_is_kept_only_when_everything_checks(client: TestClient, laptop: Window) -> None:
    key = window_key(LAPTOP, suffix="D1")
    draft = a_draft()
    unregistered = send(laptop, draft, key)  # not yet: the PC publishes its key first, then sends again
    assert unregistered.status_code == 400 and "未在服务器登记" in unregistered.json()["message"]
    assert unregistered.json()["error"] == wire.HelperRefusal.KEY_NOT_REGISTERED
    publish(laptop, [key_entry(key)])

    ok = send(laptop, draft, key)
    assert ok.status_code == 200 and ok.json() == {"draft_id": draft.draft_id, "stored": True}
    assert send(laptop, draft, key).json() == {"draft_id": draft.draft_id, "stored": False}

    def refused(response: Any, status: int, why: str, reason: str = wire.HelperRefusal.INVALID) -> None:
        assert response.status_code == status, response.text
        assert why in response.json()["message"] and response.json()["error"] == reason

    altered = canonical_bytes(draft).replace(PERSON["name"].encode(), "张三".encode())
    refused(send(laptop, a_draft(), key, content=altered), 400, "")
    other_content = dataclasses.replace(draft, helper_name="孙丽丽")
    refused(send(laptop, other_content, key), 409, "已以不同内容保存", wire.HelperRefusal.CONFLICT)
    refused(send(laptop, a_draft(device="SZX0104"), key), 400, "不是在本设备登记的窗口 SZX0109")
    disabled = wire.HelperRefusal.HELPER_DISABLED
    refused(send(laptop, a_draft(login="shenpi", name="李文华"), key), 400, "不能", disabled)
    nobody = send(laptop, a_draft(login="nobody", name="无名"), key)  # not on the server (yet)
    refused(nobody, 400, "不是大厅 SZX01 在服务器上的在用账号", wire.HelperRefusal.HELPER_NOT_SYNCED)
    fresh = a_draft()  # signed under the registered key's id by another key (a forgery)
    forged_code = reference_code(fresh, key=OfficeKey.generate(key_id=key.key_id, office_code=OFFICE_CODE))
    body = {"draft": canonical_bytes(fresh).decode(), "code": forged_code}
    refused(laptop.http.post(wire.DRAFTS_PATH, json=body, headers=laptop.headers), 400, "签名不符")
    refused(
        laptop.http.post(wire.DRAFTS_PATH, json={"draft": "{}", "code": "WCH1:AAAA"}, headers=laptop.headers),
        400,
        "交接码无效",
    )
    assert drafts_held(client) == 1

    # Listing and fetching: the hall's own only (another hall's PC: server level, tests.test_helper_online).
    counter = enroll(client, client.app, window="SZX0103")  # type: ignore[attr-defined]
    listed = counter.http.get(wire.DRAFTS_PATH, headers=counter.headers).json()["drafts"]
    assert [d["draft_id"] for d in listed] == [draft.draft_id]
    one = counter.http.get(wire.DRAFT_PATH.format(draft_id=draft.draft_id), headers=counter.headers).json()
    assert one["draft"] == canonical_bytes(draft).decode() and one["used_by"] is None
    malformed = counter.http.get(wire.DRAFT_PATH.format(draft_id="not-an-id"), headers=counter.headers)
    assert malformed.status_code == 400


def test_revoking_a_pc_revokes_its_windows_keys_for_the_hall(client: TestClient, laptop: Window) -> None:
    key = window_key(LAPTOP, suffix="R1")
    publish(laptop, [key_entry(key)])
    counter = enroll(client, client.app, window="SZX0103")  # type: ignore[attr-defined]
    admin.revoke_device(client.app.state.db, laptop.device_id, now=START, reason="帮办笔记本电脑遗失")  # type: ignore[attr-defined]
    revoked = [c for c in counter.pull_all() if c.kind == wire.KIND_SIGNING_KEY_REVOKED]
    assert [(c.key, c.payload["window_code"], c.payload["reason"]) for c in revoked] == [
        (key.key_id, LAPTOP, "帮办笔记本电脑遗失")
    ]
    with client.app.state.db.read() as connection:  # type: ignore[attr-defined]
        row = connection.execute(select(signing_key).where(signing_key.c.key_id == key.key_id)).one()
    assert row.revoked_at is not None  # kept, revoked: what it sealed before still verifies
    assert date(2026, 1, 1) == row.valid_from
