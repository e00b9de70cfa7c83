"""A holder's electronic licences looked up on the server by their ID (issue 15), on SQLite and PostgreSQL:
a window of the hall gets the certificates its hall issued to the applicant, with their signed QR texts and
any revocation; a device of another hall (a stolen PC) gets nothing of this hall's applicants; the ID is
checked; a device asking too often is stopped. The licences a decision names are projected per material,
and a licence type the catalog version does not accept for the material is refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.sync import wire
from server.models import case_holder, case_licence
from tests.licence_fixtures import COMPANY_ID, issued_case, people, with_licence
from tests.server_fixtures import DAY, HALL, OTHER_HALL, Window, decided, follow_up
from tests.test_server_validation import Served, server_fixture  # noqa: F401 (fixtures)


def look_up(server: Served, window: Window, body: Any) -> Any:
    return server.http.post(wire.LICENCE_LOOKUP_PATH, json=body, headers=window.headers)


def test_a_window_finds_its_halls_licences_and_a_stolen_pc_of_another_hall_nothing(server: Served) -> None:
    people(server, HALL)
    people(server, OTHER_HALL)
    issuing, counter = server.enroll(), server.enroll()
    number, certificate = issued_case(issuing, 11, local_seq=1)
    stranger = server.enroll(hall=OTHER_HALL)
    issued_case(stranger, 12, local_seq=1)  # the other hall's own certificate to the same company

    answer = look_up(server, counter, {"holder_id": COMPANY_ID.lower()})
    assert answer.status_code == 200, answer.text
    [found] = answer.json()["licences"]
    assert found == {
        "certificate_id": certificate["certificate_id"],
        "case_number": number,
        "licence_type": "general",
        "qr_text": certificate["qr_text"],
        "revocation": None,
    }
    assert look_up(server, counter, {"holder_id": "11010519491231002X"}).json() == {"licences": []}

    # A PC of the other hall, with a valid credential of its own, learns nothing of this hall's licences.
    [theirs] = look_up(server, stranger, {"holder_id": COMPANY_ID}).json()["licences"]
    assert theirs["certificate_id"] != certificate["certificate_id"]
    assert theirs["case_number"].startswith(stranger.window_code)

    revocation = follow_up(
        "certificate.revoked",
        number,
        window=issuing.window_code,
        local_seq=3,
        payload={
            "certificate_id": certificate["certificate_id"],
            "reason": "以欺骗手段取得",
            "basis": "行政许可法第六十九条",
            "day": DAY.isoformat(),
            "step": 2,
            "from_status": "approved",
            "to_status": "revoked",
            "role": "approver",
        },
    )
    assert issuing.push([revocation]).rejected == []
    [found] = look_up(server, counter, {"holder_id": COMPANY_ID}).json()["licences"]
    assert found["revocation"] == {
        "day": DAY.isoformat(),
        "reason": "以欺骗手段取得",
        "basis": "行政许可法第六十九条",
    }


def test_the_lookup_checks_the_id_and_the_device(server: Served) -> None:
    window = server.enroll()
    for body, expected in (
        ({"holder_id": "110105194912310021"}, "持证人证件号码无效"),
        ({"holder_id": "X" * 33}, "超过 32 个字符"),
        ({"holder_id": ""}, "请填写持证人"),
        ({"holder_id": COMPANY_ID, "hall_code": OTHER_HALL}, "只含 holder_id"),
        ({"holder_id": 91310110}, "holder_id"),
        ([COMPANY_ID], "只含 holder_id"),
    ):
        answer = look_up(server, window, body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["error"] == "invalid" and expected in answer.json()["message"], answer.text
    anonymous = server.http.post(wire.LICENCE_LOOKUP_PATH, json={"holder_id": COMPANY_ID})
    assert anonymous.status_code == 401
    forged = server.http.post(
        wire.LICENCE_LOOKUP_PATH,
        json={"holder_id": COMPANY_ID},
        headers={"Authorization": f"Bearer {window.device_id}.{'0' * 64}"},
    )
    assert forged.status_code == 401


def test_a_device_asking_faster_than_a_counter_serves_is_stopped(server: Served) -> None:
    window, other = server.enroll(), server.enroll()
    for _ in range(wire.LOOKUPS_PER_DEVICE):
        assert look_up(server, window, {"holder_id": COMPANY_ID}).status_code == 200
    stopped = look_up(server, window, {"holder_id": COMPANY_ID})
    assert stopped.status_code == 429 and "查询电子证照过于频繁" in stopped.json()["message"]
    assert int(stopped.headers["Retry-After"]) > 0
    assert look_up(server, other, {"holder_id": COMPANY_ID}).status_code == 200  # another device goes on


def test_decided_licences_are_projected_and_checked_against_the_catalog(server: Served) -> None:
    people(server, HALL)
    window = server.enroll()
    _, certificate = issued_case(window, 41, local_seq=1)
    later = decided(window.window_code, [42, 43], first_local_seq=3)
    good = with_licence(later[0], certificate)
    # The planning item's first material (its application form) takes no licence in the catalog.
    wrong = with_licence(later[1], certificate, item="as decided")
    answer = window.push([good, wrong])
    assert good.event_id in answer.acknowledged
    [refused] = answer.rejected
    assert refused.event_id == wrong.event_id
    assert "不接受建设工程规划许可证" in refused.message and "（不接受电子证照）" in refused.message
    with server.db.read() as connection:
        rows = connection.execute(
            select(case_licence).where(case_licence.c.case_number.in_([good.case_number, wrong.case_number]))
        ).all()
        holders = connection.execute(
            select(case_holder.c.case_number, case_holder.c.holder_id_number).where(
                case_holder.c.case_number.in_([good.case_number, wrong.case_number])
            )
        ).all()
    [row] = rows
    assert (row.case_number, row.material_code, row.hall_code) == (good.case_number, "M04", HALL)
    assert (row.licence_id, row.licence_type) == (certificate["certificate_id"], "planning_permit")
    assert (row.source, row.verified_by, row.event_id) == ("issued", "qr_offline", good.event_id)
    assert holders == [(good.case_number, COMPANY_ID)]
