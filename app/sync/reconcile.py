"""Reconciliation: per day, the cases this window made, how many the server acknowledged, how many it
holds. A day where the server holds fewer than it acknowledged is a mismatch the window shows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.sync import wire
from app.sync.report import DayDifference
from app.sync.transport import Transport
from app.sync.wire import EventKind
from db.models import Case, CaseEvent
from db.store import Store


def reconcile(*, store: Store, transport: Transport, first: date, last: date) -> list[DayDifference]:
    credential = transport.registered()
    answer = wire.ReconcileResponse.from_json(
        transport.request(
            "GET",
            credential.server_url,
            wire.RECONCILE_PATH,
            params={"from": first.isoformat(), "to": last.isoformat()},
            credential=credential,
        )
    )
    server = {d.day: d.cases for d in answer.days}
    with store.read() as session:
        rows = session.execute(
            select(Case.received_on, func.count(), func.count(CaseEvent.acknowledged_at))
            .join(
                CaseEvent, (CaseEvent.case_number == Case.number) & (CaseEvent.kind == EventKind.CASE_DECIDED)
            )
            .where(Case.window_code == credential.window_code, Case.received_on.between(first, last))
            .group_by(Case.received_on)
        ).all()
    local = {day.isoformat(): (made, acknowledged) for day, made, acknowledged in rows}
    days = sorted(set(server) | set(local))
    return [DayDifference(d, *local.get(d, (0, 0)), server.get(d, 0)) for d in days]
