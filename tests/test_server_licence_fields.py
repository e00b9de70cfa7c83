"""The licence fields of `certificate.issued` and the capacity of `certificate.handed_over` on the wire
(issue 11 items 9, 10), against a real `clerk-server serve` on SQLite and PostgreSQL: an old window that
sends none is accepted; an event whose new fields break their bounds is refused alone, naming the field."""

from __future__ import annotations

from dataclasses import replace

from tests.server_fixtures import decided, follow_up
from tests.test_server_validation import (  # noqa: F401 (fixtures)
    Served,
    answer_of,
    no_traceback,
    raw_push,
    rejections,
    server_fixture,
)

FIELDS = {
    "建设项目名称": "示例大厦",
    "建设位置": "示例市锦华区锦城大道1号",
    "编号": "建字第510100202600001号",
}


def test_old_and_new_certificate_events_are_accepted(server: Served) -> None:
    window = server.enroll()
    old_case, new_case = decided(window.window_code, [1, 2])
    issued_old = follow_up("certificate.issued", old_case.case_number, window=window.window_code, local_seq=3)
    assert "fields" not in issued_old.payload or issued_old.payload.get("fields") == {}
    old_shape = {k: v for k, v in issued_old.payload.items() if k not in ("fields", "licence_type")}
    issued_old = replace(issued_old, payload=old_shape)
    handed_old = follow_up(
        "certificate.handed_over", old_case.case_number, window=window.window_code, local_seq=4
    )
    issued_new = follow_up("certificate.issued", new_case.case_number, window=window.window_code, local_seq=5)
    issued_new = replace(
        issued_new, payload={**issued_new.payload, "licence_type": "planning_permit", "fields": FIELDS}
    )
    handed_new = follow_up(
        "certificate.handed_over",
        new_case.case_number,
        window=window.window_code,
        local_seq=6,
        payload={
            "certificate_id": "CERT-2",
            "recipient_name": "王小明",
            "recipient_id_number": "E12345678",
            "recipient_id_type": "passport",
            "capacity": "agent",
            "authorization": "授权委托书（2026年11月18日）",
        },
    )
    events = [old_case, new_case, issued_old, handed_old, issued_new, handed_new]
    answer = answer_of(raw_push(window, events))
    assert answer.rejected == []
    assert answer.acknowledged == [e.event_id for e in events]


def test_fields_and_capacity_out_of_bounds_are_refused_alone(server: Served) -> None:
    window = server.enroll()
    cases = decided(window.window_code, range(1, 7))
    code = window.window_code

    def issued(index: int, fields: object) -> object:
        event = follow_up("certificate.issued", cases[index].case_number, window=code, local_seq=10 + index)
        return replace(event, payload={**event.payload, "fields": fields})

    def handed(index: int, **changes: object) -> object:
        payload = {"certificate_id": "C", "recipient_name": "王小明", "recipient_id_number": "E1", **changes}
        return follow_up(
            "certificate.handed_over",
            cases[index].case_number,
            window=code,
            local_seq=20 + index,
            payload=payload,
        )

    bad = {
        "too_many": issued(0, {f"项目{i}": "值" for i in range(41)}),
        "too_long": issued(1, {"经营场所": "长" * 201}),
        "nested": issued(2, {"经营场所": {"a": {"b": "c"}}}),
        "bad_label": issued(3, {"经营\x07场所": "x"}),
        "capacity": handed(4, capacity="boss"),
        "authorization": handed(5, capacity="agent", authorization="授" * 1000),
    }
    events = [*cases, *bad.values()]
    answer = answer_of(raw_push(window, events))  # type: ignore[arg-type]
    assert answer.acknowledged == [c.event_id for c in cases]
    refused = rejections(answer)
    message = {name: refused[event.event_id].message for name, event in bad.items()}  # type: ignore[attr-defined]
    assert "payload.fields" in message["too_many"] and "最多 40 项" in message["too_many"]
    assert "payload.fields.经营场所" in message["too_long"] and "最多 200 个" in message["too_long"]
    assert "payload.fields.经营场所" in message["nested"]
    assert "控制字符" in message["bad_label"]
    assert "payload.capacity" in message["capacity"]
    assert "payload.authorization" in message["authorization"]
    assert server.stored_events([e.event_id for e in bad.values()]) == 0  # type: ignore[attr-defined]
