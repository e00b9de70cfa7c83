"""代办 (issue 15) without the window: the 代办委托书's rules (one function for the helper's PC, the counter
and the server), a draft carrying it (kept, hashed, read back strictly), a printed draft frozen, and the
helper's workload from a client list."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from app.accounts.demo import DEMO_PASSWORD
from app.helpers.agency import Authorisation, authorisation_problems, draft_problems
from app.helpers.client_cases import ClientCase, ClientList, checked_answer, workload
from app.helpers.drafts import DraftError, canonical_bytes, draft_from_bytes, draft_json, drafts_of
from app.helpers.my_drafts import is_printed, keep_draft
from app.intake import InputError, parse_request
from app.operations.person import Actor
from app.sync.transport import SyncError
from app.workspace import Workspace
from tests.helpers import PERSON, PLANNING, request_json
from tests.test_helper_handoff import helper_service, helper_ws_fixture  # noqa: F401 (fixture)

TODAY = date(2026, 11, 20)
SOUND = Authorisation(
    principal=PERSON["name"],
    principal_id=PERSON["id_number"],
    scope="代为申请、递交材料、领取证照",
    valid_from=date(2026, 11, 1),
    valid_until=date(2027, 10, 31),
    signed_on=date(2026, 10, 30),
)


def messages(a: Authorisation) -> str:
    return "；".join(p.message for p in draft_problems(a, on=TODAY, applicant_id=PERSON["id_number"]))


def test_the_authorisation_rules() -> None:
    assert draft_problems(SOUND, on=TODAY, applicant_id=PERSON["id_number"]) == []
    assert "早于委托期限起" in messages(replace(SOUND, valid_until=date(2026, 10, 1)))
    assert "请填写委托人" in messages(replace(SOUND, principal="  "))
    assert "请填写委托事项及权限" in messages(replace(SOUND, scope=""))
    assert "委托事项及权限过长" in messages(replace(SOUND, scope="权" * 501))
    assert "委托人过长" in messages(replace(SOUND, principal="名" * 101))
    assert "控制字符" in messages(replace(SOUND, scope="代为\x07申请"))
    assert "超过五年" in messages(replace(SOUND, valid_until=date(2032, 11, 1)))
    assert "不是合理的日期" in messages(replace(SOUND, valid_from=date(1999, 1, 1)))
    assert "晚于办理当日" in messages(replace(SOUND, signed_on=date(2026, 11, 21)))
    assert "与申请人的不一致" in messages(replace(SOUND, principal_id="91310110666007217T"))
    expired = replace(
        SOUND, valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31), signed_on=date(2025, 1, 1)
    )
    assert authorisation_problems(expired, on=TODAY) == []  # sound as a document …
    assert "不在有效期内" in messages(expired)  # … but no draft is made under it today


def helper(ws: Workspace) -> Actor:
    return ws.counter(ws.sign_in("bangban", DEMO_PASSWORD).login)


def test_a_draft_carries_its_authorisation_and_a_printed_draft_is_frozen(helper_ws: Workspace) -> None:
    service, person = helper_service(helper_ws), helper(helper_ws)
    item = helper_ws.catalog.item(PLANNING)
    assert item is not None
    request = parse_request(request_json(item, applicant=PERSON, agent=None))
    with pytest.raises(InputError) as refused:
        service.save(request, helper=person, authorisation=replace(SOUND, principal=""))
    assert any(p.field == "authorisation.principal" for p in refused.value.problems)
    with pytest.raises(InputError):  # a draft with no item this catalog holds
        service.save(
            replace(request, item_code="511A0000000000-000000000000-000-000000000000000000-1-00"),
            helper=person,
        )
    assert drafts_of(helper_ws.store, helper_login="bangban") == []  # nothing kept

    prepared = service.save(request, helper=person, authorisation=SOUND)
    draft = prepared.draft
    assert draft.authorisation == SOUND and draft.prepared_by.authorisation == SOUND
    assert draft_from_bytes(canonical_bytes(draft)) == draft
    plain = service.save(request, helper=person).draft
    assert "authorisation" not in draft_json(plain)  # a 帮办 draft's bytes are as before 代办

    with pytest.raises(DraftError, match="早于委托期限起"):
        draft_from_bytes(canonical_bytes(draft).replace(b"2027-10-31", b"2026-10-01"))

    again = service.save(
        replace(request, materials=request.materials[:1]), helper=person, draft_id=draft.draft_id
    )
    assert again.draft.draft_id == draft.draft_id  # not printed: saved again in place
    service.printed(again.draft)
    assert is_printed(helper_ws.store, draft.draft_id)
    with pytest.raises(DraftError, match="已打印"):
        keep_draft(helper_ws.store, replace(again.draft, request=request))
    edited = service.save(request, helper=person, authorisation=SOUND, draft_id=draft.draft_id)
    assert edited.draft.draft_id != draft.draft_id  # a printed draft edited is a new draft


def case(number: str, status: str, **days: date | None) -> ClientCase:
    return ClientCase(
        number=number,
        window_code="SZX0103",
        item_code=PLANNING,
        item_name="建设工程规划许可证核发",
        applicant_name="张三",
        decision="accepted",
        status=status,
        received_on=date(2026, 11, 2),
        promised_date=days.get("promised"),
        legal_due=days.get("legal"),
        supplement_deadline=days.get("supplement"),
        draft_id="",
        agency=False,
    )


def test_the_workload_counts_overdue_by_the_deadline_that_runs() -> None:
    cases = (
        case("A", "accepted", promised=date(2026, 11, 19)),  # past its promised date
        case("B", "accepted", promised=date(2026, 11, 30)),
        case("C", "awaiting_supplement", supplement=date(2026, 11, 10)),  # the applicant is late
        case("D", "suspended", promised=date(2026, 11, 1)),  # the clock stands still
        case("E", "delivered", promised=date(2026, 11, 1)),  # ended
        case("F", "in_review", legal=date(2026, 11, 18)),  # no promised date: the legal one
    )
    load = workload(ClientList("bangban", datetime.now(UTC), cases, False), drafts_this_week=3, today=TODAY)
    assert load.overdue == 3 and load.open_cases == 5 and load.drafts_this_week == 3
    assert dict(load.by_status)["已受理"] == 2


def test_a_bad_client_list_from_the_server_is_refused_whole() -> None:
    good = {
        "login": "bangban",
        "hall_code": "SZX01",
        "cases": [
            {
                "number": "SZX0103-20261120-0001Y",
                "window_code": "SZX0103",
                "item_code": PLANNING,
                "item_name": "建设工程规划许可证核发",
                "applicant_name": "张三",
                "decision": "accepted",
                "status": "accepted",
                "received_on": "2026-11-20",
                "promised_date": "2026-12-18",
                "legal_due": None,
                "supplement_deadline": None,
                "draft_id": "",
                "agency": True,
            }
        ],
        "truncated": False,
    }
    assert [c.number for c in checked_answer(good, login="bangban", hall_code="SZX01")] == [
        "SZX0103-20261120-0001Y"
    ]
    with pytest.raises(SyncError, match="有误"):
        checked_answer(good, login="liu.bang", hall_code="SZX01")  # another helper's list
    with pytest.raises(SyncError, match="有误"):
        checked_answer(
            {**good, "cases": [{**good["cases"][0], "received_on": "20.11.2026"}]},
            login="bangban",
            hall_code="SZX01",
        )
    with pytest.raises(SyncError, match="有误"):
        checked_answer({**good, "extra": 1}, login="bangban", hall_code="SZX01")
