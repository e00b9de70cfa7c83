"""The server checks the electronic licences a decision names in place of paper (server.sync.licences), on
SQLite and PostgreSQL: a certificate of the hall satisfies; an altered one, one of another holder, one
revoked before the decision, and a licence on a paper form are refused, nothing stored."""

from __future__ import annotations

from datetime import date

from tests.licence_fixtures import issued_case, issued_payload, people, with_licence
from tests.server_fixtures import (
    DAY,
    HALL,
    decided,
    follow_up,
)
from tests.test_server_validation import Served, server_fixture  # noqa: F401 (fixtures)


def test_the_server_checks_a_decisions_licences(server: Served) -> None:
    people(server, HALL)
    window = server.enroll()
    code = window.window_code
    first_number, certificate = issued_case(window, 1, local_seq=1)

    later = decided(code, [2, 3, 4, 5], first_local_seq=3)
    good = with_licence(later[0], certificate)
    altered = with_licence(later[1], certificate)
    altered.payload["materials"][0]["licence"]["qr_text"] = certificate["qr_text"][:-4] + "AAAA"
    other_holder = with_licence(
        later[2], issued_payload(code, first_number, 2, holder="示例市锦江餐饮管理有限公司")
    )
    paper = with_licence(later[3], certificate, form="copy", copies=1)
    answer = window.push([good, altered, other_holder, paper])
    refused = {r.event_id: r.message for r in answer.rejected}
    assert good.event_id in answer.acknowledged
    assert "签名不符" in refused[altered.event_id]
    assert (
        "不是本办件的申请人" in refused[other_holder.event_id]
        or "不是本大厅签发" in refused[other_holder.event_id]
    )
    assert "只有以电子证照" in refused[paper.event_id]

    revocation = follow_up(
        "certificate.revoked",
        first_number,
        window=code,
        local_seq=10,
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
    revoked = window.push([revocation])
    assert revoked.rejected == [], revoked.rejected
    after = with_licence(decided(code, [6], first_local_seq=11)[0], certificate)
    answer = window.push([after])
    assert [r.event_id for r in answer.rejected] == [after.event_id]
    assert f"已于 {date(DAY.year, DAY.month, DAY.day)} 撤销" in answer.rejected[0].message
